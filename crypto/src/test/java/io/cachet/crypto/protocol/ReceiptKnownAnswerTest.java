package io.cachet.crypto.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kat/receipt-v2.json: a format 2 receipt made independently of this code (Python BLAKE2b and
 * Ed25519, its generator is described in the file), and a format 1 receipt of the same release.
 * If these fail, this build no longer signs what the format says: a format change, not a test to
 * regenerate.
 */
class ReceiptKnownAnswerTest {
  private static JsonNode kat;
  private static JsonNode fields;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = ReceiptKnownAnswerTest.class.getResourceAsStream("/kat/receipt-v2.json")) {
      kat = new ObjectMapper().readTree(in);
    }
    fields = kat.get("fields");
  }

  private static byte[] hex0x(String text) {
    return HexFormat.of().parseHex(text.substring(2));
  }

  private static Receipt signed() throws Exception {
    Identity server = Identity.fromSeed(hex0x(kat.get("serverSeed").asText()));
    return Receipt.sign(server, fields.get("keyServerId").asText(), fields.get("requestId").asText(),
        Address.parse(fields.get("requester").asText()), fields.get("ledgerId").asText(),
        PolicyId.parse(fields.get("policyId").asText()), ObjectId.parse(fields.get("objectId").asText()),
        fields.get("shareIndex").asInt(), fields.get("ledgerHeight").asLong(), fields.get("ledgerTimeMillis").asLong(),
        hex0x(fields.get("decisionBlockHash").asText()), fields.get("decidedAtMillis").asLong(),
        Base64Url.decode(kat.get("releasedShare").asText(), "releasedShare"));
  }

  @Test
  void sign_knownFields_givesThePinnedSignedBytesAndSignature() throws Exception {
    Receipt receipt = signed();

    assertThat(HexFormat.of().formatHex(receipt.signedBytes())).isEqualTo(kat.get("signedBytes").asText());
    assertThat(receipt.releasedShareDigest()).isEqualTo(hex0x(kat.get("releasedShareDigest").asText()));
    assertThat(receipt.signature()).isEqualTo(hex0x(kat.get("signature").asText()));
  }

  @Test
  void verify_thePinnedReceiptThroughJson_underTheServersKey() throws Exception {
    Receipt back = Receipt.fromJson(signed().toJson());
    Identity server = Identity.fromSeed(hex0x(kat.get("serverSeed").asText()));

    assertThat(server.verifyingKey().bytes()).isEqualTo(hex0x(kat.get("serverPublicKey").asText()));
    assertThatCode(() -> back.verify(server.verifyingKey(),
        Base64Url.decode(kat.get("releasedShare").asText(), "releasedShare"))).doesNotThrowAnyException();
    assertThat(back.ledgerId()).isEqualTo(fields.get("ledgerId").asText());
  }

  @Test
  void fromJson_theFormat1ReceiptOfTheSameRelease_throwsFormatNamingVersion1() {
    String v1 = kat.get("receiptV1").toString();

    assertThatThrownBy(() -> Receipt.fromJson(v1)).isInstanceOf(FormatException.class)
        .hasMessageContaining("receipt format version 1 is not supported; this build reads version 2");
  }
}
