package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.google.crypto.tink.HybridEncrypt;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.hybrid.HpkePublicKey;
import com.google.crypto.tink.hybrid.HybridConfig2026;
import com.google.crypto.tink.util.Bytes;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * An X25519 public key that HPKE seals to (a key server's, or a requester's ephemeral key), with
 * its fingerprint: BLAKE2b-256 over a tag and the key, which the envelope records per slot.
 *
 * <p>Guarantee: what {@link #seal} produces opens only with the matching private key and exactly
 * the same context info. HPKE base mode does not authenticate the sender.
 */
public final class HpkeRecipientKey {
  public static final int LENGTH = 32;

  private static final byte[] FINGERPRINT_TAG = "cachet/hpke-key/v1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] key;
  private final byte[] fingerprint;
  private final HybridEncrypt encrypter;

  private HpkeRecipientKey(byte[] key) {
    if (key == null || key.length != LENGTH) {
      throw new IllegalArgumentException("an X25519 public key is " + LENGTH + " bytes");
    }
    this.key = key.clone();
    rejectWeakPoint(this.key);
    this.fingerprint = Blake2b.hash256(FINGERPRINT_TAG, this.key);
    try {
      HpkePublicKey tinkKey = HpkePublicKey.create(HpkeKeyPair.PARAMETERS, Bytes.copyFrom(this.key), null);
      this.encrypter = KeysetHandle.newBuilder()
          .addEntry(KeysetHandle.importKey(tinkKey).withRandomId().makePrimary())
          .build()
          .getPrimitive(HybridConfig2026.get(), HybridEncrypt.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a usable X25519 public key", e);
    }
  }

  /**
   * Refuses low-order points up front (Tink would refuse them only inside {@link #seal}): one
   * X25519 exchange with a throwaway key, refused when the shared secret is all zero (RFC 7748,
   * section 6.1), which is exactly the check Tink makes. Bouncy Castle's X25519 runs it: it is the
   * same function at a quarter of the cost of Tink's, and a key server parses a fresh response key
   * with every request.
   */
  private static void rejectWeakPoint(byte[] key) {
    byte[] probe = new byte[org.bouncycastle.math.ec.rfc7748.X25519.SCALAR_SIZE];
    byte[] shared = new byte[org.bouncycastle.math.ec.rfc7748.X25519.POINT_SIZE];
    org.bouncycastle.math.ec.rfc7748.X25519.generatePrivateKey(PROBE_RANDOM, probe);
    try {
      if (!org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(probe, 0, key, 0, shared, 0)) {
        throw new IllegalArgumentException("not a usable X25519 public key (a low-order point)");
      }
    } finally {
      Arrays.fill(probe, (byte) 0);
      Arrays.fill(shared, (byte) 0);
    }
  }

  private static final java.security.SecureRandom PROBE_RANDOM = new java.security.SecureRandom();

  public static HpkeRecipientKey of(byte[] key) {
    return new HpkeRecipientKey(key);
  }

  @JsonCreator
  public static HpkeRecipientKey parse(String base64) throws FormatException {
    try {
      return new HpkeRecipientKey(Base64Url.decode(base64, LENGTH, "HpkeRecipientKey"));
    } catch (IllegalArgumentException e) {
      throw new FormatException("HpkeRecipientKey: " + e.getMessage(), e);
    }
  }

  /** HPKE base-mode seal (DHKEM-X25519, HKDF-SHA256, AES-256-GCM): encapsulated key, then ciphertext. */
  public byte[] seal(byte[] plaintext, byte[] contextInfo) {
    try {
      return encrypter.encrypt(plaintext, contextInfo);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HPKE seal failed", e);
    }
  }

  public byte[] bytes() {
    return key.clone();
  }

  public byte[] fingerprint() {
    return fingerprint.clone();
  }

  @JsonValue
  @Override
  public String toString() {
    return Base64Url.encode(key);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HpkeRecipientKey other && Arrays.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }
}
