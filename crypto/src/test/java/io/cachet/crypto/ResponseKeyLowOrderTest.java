package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.SessionCertificate;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A requester's response key arrives in every fetch request; a low-order one must be refused
 * where the request is parsed, before the key server spends a verification, a policy decision or
 * an unsealing on it, with a message that says what is wrong.
 */
class ResponseKeyLowOrderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void fetchRequest_withALowOrderResponseKey_isRefusedAtParse_namingTheKey() throws Exception {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    TestKeys keys = new TestKeys(1);
    EnvelopeHeader header = Envelope.seal(keys.params(PolicyId.random(TestKeys.RANDOM), 1),
        new ByteArrayInputStream(new byte[0]), 0, new ByteArrayOutputStream(), TestKeys.RANDOM);
    Identity person = Identity.generate(TestKeys.RANDOM);
    Identity session = Identity.generate(TestKeys.RANDOM);
    SessionCertificate cert = SessionCertificate.issue(person, session.verifyingKey(), now, Duration.ofMinutes(5),
        List.of("ks-1"));
    FetchKeyRequest request = FetchKeyRequest.create(session, cert, "ks-1", HpkeKeyPair.generate().publicKey(),
        List.of(FetchKeyItem.of(header, 1)), now, TestKeys.RANDOM);
    ObjectNode doc = (ObjectNode) JSON.readTree(request.toJson());
    assertThat(doc.has("responseKey")).isTrue();
    assertThat(FetchKeyRequest.fromJson(JSON.writeValueAsBytes(doc)).responseKey()).isEqualTo(request.responseKey());

    for (String hex : X25519LowOrderTest.LOW_ORDER) {
      doc.put("responseKey", Base64Url.encode(HexFormat.of().parseHex(hex)));
      byte[] forged = JSON.writeValueAsString(doc).getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> FetchKeyRequest.fromJson(forged))
          .isInstanceOf(FormatException.class).hasMessageContaining("low-order");
    }
  }
}
