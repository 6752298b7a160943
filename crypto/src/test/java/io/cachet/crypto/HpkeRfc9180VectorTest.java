package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.HybridDecrypt;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.hybrid.HpkePrivateKey;
import com.google.crypto.tink.hybrid.HpkePublicKey;
import com.google.crypto.tink.hybrid.HybridConfig2026;
import com.google.crypto.tink.util.Bytes;
import com.google.crypto.tink.util.SecretBytes;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContext;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The RFC 9180 test vector for Cachet's suite (base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-256-GCM), extracted into {@code kat/hpke-rfc9180-base-x25519-sha256-aes256gcm.json} with its
 * provenance. The vector's messages carry associated data, which Cachet never uses, so the suite
 * is held to them at Bouncy Castle's level, and our API is held to the vector's key schedule: with
 * the vector's keys and ephemeral key, {@link HpkeSuite#seal} must produce the vector's {@code enc}
 * followed by AES-256-GCM under the vector's key and nonce with empty associated data (computed
 * here by the JDK's AES-GCM, a third implementation).
 */
class HpkeRfc9180VectorTest {
  private static final HexFormat HEX = HexFormat.of();
  private static JsonNode vector;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = HpkeRfc9180VectorTest.class.getResourceAsStream(
        "/kat/hpke-rfc9180-base-x25519-sha256-aes256gcm.json")) {
      vector = new ObjectMapper().readTree(in);
    }
  }

  private static byte[] hex(String field) {
    return HEX.parseHex(vector.get(field).asText());
  }

  private static HPKE suite() {
    return new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256);
  }

  private static AsymmetricCipherKeyPair pair(String sk, String pk) {
    return new AsymmetricCipherKeyPair(new X25519PublicKeyParameters(hex(pk)), new X25519PrivateKeyParameters(hex(sk)));
  }

  @Test
  void vector_isForCachetsSuite() {
    assertThat(vector.get("mode").asInt()).isZero();
    assertThat(vector.get("kem_id").asInt()).isEqualTo(0x20);
    assertThat(vector.get("kdf_id").asInt()).isEqualTo(0x01);
    assertThat(vector.get("aead_id").asInt()).isEqualTo(0x02);
  }

  /**
   * Bouncy Castle hands back a derived private key already clamped (RFC 7748 section 5), the
   * vectors give it before clamping; X25519 clamps before use, so these are the same key.
   */
  @Test
  void deriveKeyPair_fromIkm_givesTheVectorsKeys() {
    AsymmetricCipherKeyPair r = suite().deriveKeyPair(hex("ikmR"));
    AsymmetricCipherKeyPair e = suite().deriveKeyPair(hex("ikmE"));
    assertThat(clamped(suite().serializePrivateKey(r.getPrivate()))).isEqualTo(clamped(hex("skRm")));
    assertThat(suite().serializePublicKey(r.getPublic())).isEqualTo(hex("pkRm"));
    assertThat(clamped(suite().serializePrivateKey(e.getPrivate()))).isEqualTo(clamped(hex("skEm")));
    assertThat(suite().serializePublicKey(e.getPublic())).isEqualTo(hex("pkEm"));
  }

  private static byte[] clamped(byte[] scalar) {
    byte[] k = scalar.clone();
    k[0] &= (byte) 0xf8;
    k[31] &= 0x7f;
    k[31] |= 0x40;
    return k;
  }

  @Test
  void bouncyCastleSuite_sealsAndOpensEveryVectorMessage_andExports() throws Exception {
    HPKEContextWithEncapsulation sender = suite().setupBaseS(
        new X25519PublicKeyParameters(hex("pkRm")), hex("info"), pair("skEm", "pkEm"));
    assertThat(sender.getEncapsulation()).isEqualTo(hex("enc"));
    HPKEContext receiver = suite().setupBaseR(hex("enc"), pair("skRm", "pkRm"), hex("info"));
    for (JsonNode m : vector.get("encryptions")) {
      byte[] aad = HEX.parseHex(m.get("aad").asText());
      byte[] plaintext = HEX.parseHex(m.get("pt").asText());
      byte[] ciphertext = HEX.parseHex(m.get("ct").asText());
      assertThat(sender.seal(aad, plaintext)).isEqualTo(ciphertext);
      assertThat(receiver.open(aad, ciphertext)).isEqualTo(plaintext);
    }
    for (JsonNode x : vector.get("exports")) {
      byte[] value = receiver.export(HEX.parseHex(x.get("exporter_context").asText()), x.get("L").asInt());
      assertThat(value).isEqualTo(HEX.parseHex(x.get("exported_value").asText()));
    }
  }

  @Test
  void ourSeal_withTheVectorsKeys_isEncThenAesGcmUnderTheVectorsKeyAndNonce() throws Exception {
    byte[] plaintext = HEX.parseHex(vector.get("encryptions").get(0).get("pt").asText());
    byte[] sealed = HpkeSuite.seal(new X25519PublicKeyParameters(hex("pkRm")), plaintext, hex("info"),
        pair("skEm", "pkEm"));

    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(hex("key"), "AES"), new GCMParameterSpec(128, hex("base_nonce")));
    byte[] expected = gcm.doFinal(plaintext);
    assertThat(Arrays.copyOf(sealed, HpkeSuite.ENC_LENGTH)).isEqualTo(hex("enc"));
    assertThat(Arrays.copyOfRange(sealed, HpkeSuite.ENC_LENGTH, sealed.length)).isEqualTo(expected);
  }

  @Test
  void ourKeyPair_fromTheVectorsPrivateKey_hasItsPublicKey_andOpensWhatTinkSealsToIt() throws Exception {
    HpkeKeyPair ours = HpkeKeyPair.fromPrivateKey(hex("skRm"));
    assertThat(ours.publicKey().bytes()).isEqualTo(hex("pkRm"));

    HpkePublicKey tinkPublic = HpkePublicKey.create(HpkeKeyPair.PARAMETERS, Bytes.copyFrom(hex("pkRm")), null);
    HpkePrivateKey tinkPrivate = HpkePrivateKey.create(tinkPublic,
        SecretBytes.copyFrom(hex("skRm"), InsecureSecretKeyAccess.get()));
    HybridDecrypt tink = KeysetHandle.newBuilder()
        .addEntry(KeysetHandle.importKey(tinkPrivate).withRandomId().makePrimary())
        .build().getPrimitive(HybridConfig2026.get(), HybridDecrypt.class);
    byte[] sealed = ours.publicKey().seal(new byte[] {1, 2, 3}, hex("info"));
    assertThat(tink.decrypt(sealed, hex("info"))).containsExactly(1, 2, 3);
    assertThat(HpkeKeyPair.fromTink(tinkPrivate).open(sealed, hex("info"))).containsExactly(1, 2, 3);
  }
}
