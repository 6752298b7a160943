package io.cachet.crypto.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * kat/receipt-v3.json: a format 3 receipt over a two-item request (one released, one denied), the
 * item digests it signs, and the share-release format 2 {@code info} and plaintext of the released
 * share; plus a format 2 receipt document, which this build must refuse naming version 2. The
 * generator below wrote the file; the signed bytes, digests and signature were checked against
 * Python's hashlib BLAKE2b and pyca/cryptography Ed25519 by {@code src/test/python/check_receipt_v3.py}
 * (see the file's {@code about}). The request digest signs a fixed stand-in for a request's signed
 * bytes, as the sealed-shares digest does for the randomized HPKE output.
 * If these fail, this build no longer signs or seals what the format says: a format change, not a
 * test to regenerate.
 */
class ReceiptKnownAnswerTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static JsonNode kat;

  /** Loaded on first use rather than in a {@code @BeforeAll}, so the generator can run without it. */
  private static synchronized JsonNode kat() throws IOException {
    if (kat == null) {
      try (InputStream in = ReceiptKnownAnswerTest.class.getResourceAsStream("/kat/receipt-v3.json")) {
        kat = JSON.readTree(in);
      }
    }
    return kat;
  }

  private static byte[] hex0x(String text) {
    return HEX.parseHex(text.startsWith("0x") ? text.substring(2) : text);
  }

  private static byte[] hex(JsonNode node, String field) {
    return hex0x(node.get(field).asText());
  }

  // ------------------------------------------------------------------ the fixed inputs

  /** RFC 8032 section 7.1, test 1: the server's Ed25519 seed. */
  private static final String SERVER_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  private static final String KEY_SERVER = "ks-kat-1";
  private static final String REQUEST_ID = "000102030405060708090a0b0c0d0e0f";
  private static final String REQUESTER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
  private static final String LEDGER = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";
  private static final long DECIDED_AT = 1767225601234L;
  private static final long HEIGHT = 41;
  private static final long LEDGER_TIME = 1767225600000L;

  private static byte[] pattern(int length, int start) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (start + i);
    }
    return b;
  }

  private static List<FetchKeyItem> items() throws FormatException {
    PolicyId policy = PolicyId.parse("0x5dbbf4611a6a2ac5651d9a8b283c8e8960a9bbea913d236eb674f42c4b157596");
    List<FetchKeyItem> items = new ArrayList<>();
    items.add(new FetchKeyItem(new ShareContext(Envelope.VERSION, LEDGER, policy,
        ObjectId.parse("0xabbb252760e98fcb7ea804aa118facb279f4c15cc12a7a9d32b3b34a7f8679a5"), 2, 3, KEY_SERVER, 2),
        pattern(32, 0x40), pattern(80, 0x80)));
    items.add(new FetchKeyItem(new ShareContext(Envelope.VERSION, LEDGER, policy,
        ObjectId.parse("0x" + "cd".repeat(32)), 1, 1, KEY_SERVER, 1), pattern(32, 0x60), pattern(80, 0x10)));
    return items;
  }

  private static List<ReceiptEntry> entries(List<FetchKeyItem> items) {
    return List.of(ReceiptEntry.released(0, items.get(0), HEIGHT, LEDGER_TIME, pattern(32, 0x20)),
        ReceiptEntry.denied(1, "POLICY_DENIED", items.get(1), HEIGHT, LEDGER_TIME, pattern(32, 0x20)));
  }

  /**
   * Stands in for a request's signed bytes (a real one holds a certificate and a random id): the
   * receipt signs only their BLAKE2b-256 digest.
   */
  private static byte[] requestSignedBytes() {
    return pattern(64, 0x30);
  }

  /** Stands in for the HPKE output, which is randomized: the receipt signs only its digest. */
  private static byte[] sealedShares() {
    return pattern(32 + 2 + 1 + 34 + 16, 0xa0);
  }

  private static Receipt signed() throws FormatException {
    return Receipt.sign(Identity.fromSeed(hex0x(SERVER_SEED)), KEY_SERVER, REQUEST_ID,
        Blake2b.hash256(requestSignedBytes()), Address.parse(REQUESTER), DECIDED_AT, entries(items()), sealedShares());
  }

  // ------------------------------------------------------------------ the known answers

  @Test
  void itemDigests_knownItems_areThePinnedOnes() throws Exception {
    List<FetchKeyItem> items = items();
    for (int i = 0; i < items.size(); i++) {
      JsonNode pinned = kat().get("items").get(i);
      assertThat(HEX.formatHex(items.get(i).signedBytes())).as("item %d", i)
          .isEqualTo(pinned.get("signedBytes").asText());
      assertThat(items.get(i).digest()).as("item %d", i).isEqualTo(hex(pinned, "digest"));
    }
  }

  @Test
  void sign_knownFields_givesThePinnedSignedBytesAndSignature() throws Exception {
    Receipt receipt = signed();

    assertThat(HEX.formatHex(requestSignedBytes())).isEqualTo(kat().get("requestSignedBytes").asText());
    assertThat(receipt.requestDigest()).isEqualTo(hex(kat(), "requestDigest"));
    assertThat(receipt.sealedSharesDigest()).isEqualTo(hex(kat(), "sealedSharesDigest"));
    assertThat(HEX.formatHex(receipt.signedBytes())).isEqualTo(kat().get("signedBytes").asText());
    assertThat(receipt.signature()).isEqualTo(hex(kat(), "signature"));
  }

  @Test
  void fromJson_thePinnedReceiptDocument_verifiesUnderTheServersKey() throws Exception {
    Receipt back = Receipt.fromJson(kat().get("receipt").toString());
    Identity server = Identity.fromSeed(hex0x(SERVER_SEED));

    assertThat(server.verifyingKey().bytes()).isEqualTo(hex(kat(), "serverPublicKey"));
    assertThatCode(() -> back.verify(server.verifyingKey(), hex(kat(), "sealedShares"))).doesNotThrowAnyException();
    assertThat(back.signedBytes()).isEqualTo(signed().signedBytes());
    assertThat(back.entries().get(1).reason()).isEqualTo("POLICY_DENIED");
  }

  @Test
  void shareRelease_knownShare_givesThePinnedInfoAndPlaintext() throws Exception {
    JsonNode release = kat().get("shareRelease");
    List<FetchKeyItem> items = items();
    List<ShareRelease.Released> released = List.of(new ShareRelease.Released(0, items.get(0).context()));
    Share share = new Share(2, hex(release, "share"));

    assertThat(HEX.formatHex(ShareRelease.info(REQUEST_ID, released))).isEqualTo(release.get("info").asText());
    assertThat(HEX.formatHex(ShareRelease.plaintext(released, List.of(share))))
        .isEqualTo(release.get("plaintext").asText());
  }

  @Test
  void fromJson_theFormat2ReceiptOfTheEarlierVector_throwsFormatNamingVersion2() throws Exception {
    String v2 = kat().get("receiptV2").toString();

    assertThatThrownBy(() -> Receipt.fromJson(v2)).isInstanceOf(FormatException.class)
        .hasMessageContaining("receipt format version 2 is not supported; this build reads version 3");
  }

  // ------------------------------------------------------------------ generator

  /**
   * Wrote src/test/resources/kat/receipt-v3.json once (the {@code about} text and the
   * {@code receiptV2} document, the format 2 vector this file replaces, were added by hand). Run it only for
   * a new format version, into a new file, or for a change to a format not yet released (version 3 gained
   * its request digest so, before release).
   */
  @Test
  @Disabled("generator: writes src/test/resources/kat/receipt-v3.json")
  void generate() throws Exception {
    Identity server = Identity.fromSeed(hex0x(SERVER_SEED));
    List<FetchKeyItem> items = items();
    Receipt receipt = signed();
    ObjectNode doc = JSON.createObjectNode();
    doc.put("about", "");
    doc.put("serverSeed", "0x" + SERVER_SEED);
    doc.put("serverPublicKey", "0x" + HEX.formatHex(server.verifyingKey().bytes()));
    ArrayNode list = doc.putArray("items");
    for (FetchKeyItem item : items) {
      ShareContext c = item.context();
      ObjectNode n = list.addObject();
      n.putObject("context").put("formatVersion", c.formatVersion()).put("ledgerId", c.ledgerId())
          .put("policyId", c.policyId().toString()).put("objectId", c.objectId().toString())
          .put("threshold", c.threshold()).put("shareCount", c.shareCount()).put("keyServerId", c.keyServerId())
          .put("index", c.index());
      n.put("contextInfo", HEX.formatHex(c.info()));
      n.put("keyFingerprint", HEX.formatHex(item.keyFingerprint()));
      n.put("sealedShare", HEX.formatHex(item.sealedShare()));
      n.put("signedBytes", HEX.formatHex(item.signedBytes()));
      n.put("digest", "0x" + HEX.formatHex(item.digest()));
    }
    doc.put("requestSignedBytes", HEX.formatHex(requestSignedBytes()));
    doc.put("requestDigest", "0x" + HEX.formatHex(receipt.requestDigest()));
    doc.put("sealedShares", HEX.formatHex(sealedShares()));
    doc.put("sealedSharesDigest", "0x" + HEX.formatHex(receipt.sealedSharesDigest()));
    doc.put("signedBytes", HEX.formatHex(receipt.signedBytes()));
    doc.put("signature", "0x" + HEX.formatHex(receipt.signature()));
    doc.set("receipt", JSON.readTree(receipt.toJson()));
    byte[] share = pattern(32, 0xe0);
    List<ShareRelease.Released> released = List.of(new ShareRelease.Released(0, items.get(0).context()));
    doc.putObject("shareRelease")
        .put("share", HEX.formatHex(share))
        .put("info", HEX.formatHex(ShareRelease.info(REQUEST_ID, released)))
        .put("plaintext", HEX.formatHex(ShareRelease.plaintext(released, List.of(new Share(2, share)))));
    Files.writeString(Path.of("src", "test", "resources", "kat", "receipt-v3.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
  }
}
