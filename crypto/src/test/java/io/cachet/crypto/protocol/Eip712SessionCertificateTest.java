package io.cachet.crypto.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.Keccak256;
import io.cachet.crypto.VerifyingKey;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.sec.SECNamedCurves;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.StructuredDataEncoder;

/**
 * The EIP-712 session certificate against a committed vector whose signature anvil made, with the
 * digest computed a second way (by hand from the EIP-712 rules, and by web3j from the committed
 * typed data), and the forgeries a key server must refuse.
 */
class Eip712SessionCertificateTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final BigInteger N = SECNamedCurves.getByName("secp256k1").getN();
  private static JsonNode kat;
  private static EvmIdentity alice;
  private static VerifyingKey session;
  private static Instant created;
  private static List<String> audience;
  private static long chainId;

  @BeforeAll
  static void load() throws Exception {
    try (InputStream in = Eip712SessionCertificateTest.class.getResourceAsStream("/kat/session-certificate-eip712.json")) {
      kat = new ObjectMapper().readTree(in);
    }
    alice = EvmIdentity.fromHex(kat.get("privateKey").asText());
    session = VerifyingKey.of(hex(kat.get("sessionKey").asText(), 32));
    created = Instant.ofEpochMilli(kat.get("createdAtMillis").asLong());
    audience = new ArrayList<>();
    kat.get("audience").forEach(a -> audience.add(a.asText()));
    chainId = kat.get("chainId").asLong();
  }

  private static byte[] hex(String text, int length) {
    try {
      return Hex.from0x(text, length, "kat");
    } catch (FormatException e) {
      throw new IllegalStateException(e);
    }
  }

  private static SessionCertificate issue() {
    return alice.certify(chainId, session, created, Duration.ofSeconds(kat.get("ttlSeconds").asInt()), audience);
  }

  @Test
  void issue_matchesTheKnownAnswerSignedByAnvil() throws Exception {
    SessionCertificate cert = issue();
    assertThat(alice.address().toString()).isEqualTo(kat.get("address").asText());
    assertThat(Hex.to0x(cert.typedDataDigest())).isEqualTo(kat.get("digest").asText());
    assertThat(Hex.to0x(cert.signature())).isEqualTo(kat.get("signature").asText());
    assertThat(new ObjectMapper().readTree(cert.toJson())).isEqualTo(kat.get("certificate"));
    assertThat(new ObjectMapper().readTree(SessionTypedData.json(chainId, alice.address(), session,
        cert.createdAtMillis(), cert.ttlSeconds(), audience))).isEqualTo(kat.get("typedData"));
  }

  @Test
  void committedCertificate_parsesAndVerifies() throws Exception {
    SessionCertificate cert = SessionCertificate.fromJson(kat.get("certificate").toString());
    cert.verifySignature();
    cert.verifyChain("eip155:31337");
    assertThat(cert.scheme()).isEqualTo(SessionCertificate.Scheme.EIP712);
    assertThat(cert.identityKey()).isNull();
  }

  @Test
  void digest_computedByHandFromTheEip712Rules_isTheSame() {
    byte[] typeHash = Keccak256.hash(kat.get("typesString").asText().getBytes(StandardCharsets.UTF_8));
    assertThat(Hex.to0x(typeHash)).isEqualTo(kat.get("typeHash").asText());
    byte[] domainType = Keccak256.hash("EIP712Domain(string name,string version,uint256 chainId)"
        .getBytes(StandardCharsets.US_ASCII));
    byte[] domain = Keccak256.hash(domainType, Keccak256.hash("Cachet".getBytes(StandardCharsets.UTF_8)),
        Keccak256.hash("1".getBytes(StandardCharsets.UTF_8)), word(chainId));
    assertThat(Hex.to0x(domain)).isEqualTo(kat.get("domainSeparator").asText());
    byte[] struct = Keccak256.hash(typeHash, alice.address().bytes(), session.bytes(),
        word(kat.get("createdAtMillis").asLong()), word(kat.get("ttlSeconds").asLong()),
        Keccak256.hash(String.join(",", audience).getBytes(StandardCharsets.UTF_8)));
    byte[] digest = Keccak256.hash(new byte[] {0x19, 0x01}, domain, struct);
    assertThat(Hex.to0x(digest)).isEqualTo(kat.get("digest").asText());
  }

  @Test
  void digest_computedByWeb3jFromTheCommittedTypedData_isTheSame() throws IOException {
    StructuredDataEncoder encoder = new StructuredDataEncoder(kat.get("typedData").toString());
    assertThat(encoder.encodeType("CachetSession")).isEqualTo(kat.get("typesString").asText());
    assertThat(Hex.to0x(encoder.hashDomain())).isEqualTo(kat.get("domainSeparator").asText());
    assertThat(Hex.to0x(encoder.hashStructuredData())).isEqualTo(kat.get("digest").asText());
  }

  private static byte[] word(long value) {
    return ByteBuffer.allocate(32).putLong(24, value).array();
  }

  private static SessionCertificate withSignature(SessionCertificate c, byte[] signature) {
    return new SessionCertificate(c.scheme(), c.chainId(), c.address(), null, c.sessionKey(), c.createdAtMillis(),
        c.ttlSeconds(), c.audience(), signature);
  }

  @Test
  void verify_forgedSignature_isRefused() {
    byte[] forged = new byte[65];
    RANDOM.nextBytes(forged);
    forged[32] &= 0x7f; // low s, so the refusal is the signer's, not the shape's
    forged[64] = 27;
    assertThatThrownBy(() -> withSignature(issue(), forged).verifySignature())
        .isInstanceOf(InvalidSignatureException.class);
  }

  @Test
  void verify_signatureByAnotherKey_isRefusedNamingTheSigner() {
    EvmIdentity mallory = EvmIdentity.generate(RANDOM);
    SessionCertificate real = issue();
    byte[] byMallory = mallory.signDigest(real.typedDataDigest());
    assertThatThrownBy(() -> withSignature(real, byMallory).verifySignature())
        .isInstanceOf(InvalidSignatureException.class)
        .hasMessageContaining(mallory.address().toString());
  }

  @Test
  void verify_highSTwinOfAValidSignature_isRefused() {
    SessionCertificate real = issue();
    byte[] sig = real.signature();
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    byte[] twin = sig.clone();
    byte[] highS = N.subtract(s).toByteArray();
    Arrays.fill(twin, 32, 64, (byte) 0);
    System.arraycopy(highS, Math.max(0, highS.length - 32), twin, 64 - Math.min(32, highS.length),
        Math.min(32, highS.length));
    twin[64] = (byte) (sig[64] == 27 ? 28 : 27);
    assertThatThrownBy(() -> withSignature(real, twin).verifySignature())
        .isInstanceOf(InvalidSignatureException.class).hasMessageContaining("high s");
  }

  @Test
  void verify_vOtherThan27Or28_isRefused() {
    SessionCertificate real = issue();
    byte[] sig = real.signature();
    sig[64] = (byte) (sig[64] - 27);
    assertThatThrownBy(() -> withSignature(real, sig).verifySignature())
        .isInstanceOf(InvalidSignatureException.class).hasMessageContaining("v is");
  }

  @Test
  void verify_swappedSessionKey_isRefused() {
    SessionCertificate real = issue();
    SessionCertificate swapped = new SessionCertificate(real.scheme(), real.chainId(), real.address(), null,
        VerifyingKey.of(new byte[32]), real.createdAtMillis(), real.ttlSeconds(), real.audience(), real.signature());
    assertThatThrownBy(swapped::verifySignature).isInstanceOf(InvalidSignatureException.class);
  }

  @Test
  void verify_chainIdEditedAfterSigning_isRefused() {
    SessionCertificate real = issue();
    SessionCertificate moved = new SessionCertificate(real.scheme(), 1, real.address(), null, real.sessionKey(),
        real.createdAtMillis(), real.ttlSeconds(), real.audience(), real.signature());
    assertThatThrownBy(moved::verifySignature).isInstanceOf(InvalidSignatureException.class);
  }

  @Test
  void verifyChain_certificateForAnotherChain_isRefusedWithWrongChain() {
    SessionCertificate forMainnet = alice.certify(1, session, created, Duration.ofMinutes(5), audience);
    assertThatThrownBy(() -> forMainnet.verifyChain("eip155:31337"))
        .isInstanceOfSatisfying(CachetSecurityException.class,
            e -> assertThat(e.reason()).isEqualTo(SessionCertificate.WRONG_CHAIN))
        .hasMessageContaining("eip155:1").hasMessageContaining("eip155:31337");
  }

  @Test
  void verifyChain_embeddedLedger_refusesEvmCertificates() {
    assertThatThrownBy(() -> issue().verifyChain("cachet-devnet"))
        .isInstanceOfSatisfying(CachetSecurityException.class,
            e -> assertThat(e.reason()).isEqualTo(SessionCertificate.WRONG_CHAIN))
        .hasMessageContaining("embedded ledger");
  }

  @Test
  void verifyChain_ed25519Certificate_passesEverywhere() throws Exception {
    Identity bob = Identity.generate(RANDOM);
    SessionCertificate c = bob.certify(session, created, Duration.ofMinutes(5), audience);
    c.verifyChain("eip155:31337");
    c.verifyChain("cachet-devnet");
  }

  @Test
  void json_ed25519Certificate_hasNoSchemeField() throws Exception {
    Identity bob = Identity.generate(RANDOM);
    SessionCertificate c = bob.certify(session, created, Duration.ofMinutes(5), audience);
    JsonNode json = new ObjectMapper().readTree(c.toJson());
    assertThat(json.has("scheme")).isFalse();
    assertThat(json.has("chainId")).isFalse();
    SessionCertificate back = SessionCertificate.fromJson(c.toJson());
    assertThat(back.scheme()).isEqualTo(SessionCertificate.Scheme.ED25519);
    back.verifySignature();
  }

  @Test
  void json_unknownScheme_isRefusedByName() {
    ObjectNode json = (ObjectNode) kat.get("certificate").deepCopy();
    json.put("scheme", "bls12-381");
    assertThatThrownBy(() -> SessionCertificate.fromJson(json.toString()))
        .isInstanceOf(FormatException.class).hasMessageContaining("bls12-381");
  }

  @Test
  void json_eip712WithAnIdentityKey_isRefused() {
    ObjectNode json = (ObjectNode) kat.get("certificate").deepCopy();
    json.put("identityKey", "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8");
    assertThatThrownBy(() -> SessionCertificate.fromJson(json.toString())).isInstanceOf(FormatException.class);
  }

  @Test
  void json_eip712ForAnEmbeddedAddress_isRefused() {
    ObjectNode json = (ObjectNode) kat.get("certificate").deepCopy();
    json.put("address", Identity.generate(RANDOM).address().toString());
    assertThatThrownBy(() -> SessionCertificate.fromJson(json.toString()))
        .isInstanceOf(FormatException.class).hasMessageContaining("EVM address");
  }

  @Test
  void digest_differsBetweenSchemesAndBindsTheSignature() {
    SessionCertificate real = issue();
    byte[] other = real.signature();
    other[0] ^= 1;
    assertThat(withSignature(real, other).digest()).isNotEqualTo(real.digest());
    Address a = real.address();
    assertThat(a.isEvm()).isTrue();
  }
}
