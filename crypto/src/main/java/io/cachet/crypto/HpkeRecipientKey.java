package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * An X25519 public key that HPKE seals to (a key server's, or a requester's ephemeral key), with
 * its fingerprint: BLAKE2b-256 over a tag and the key, which the envelope records per slot.
 *
 * <p>Guarantee: what {@link #seal} produces opens only with the matching private key and exactly
 * the same context info. HPKE base mode does not authenticate the sender.
 *
 * <p>A low-order key (RFC 7748 section 6.1) is refused when the key is made, with an
 * {@link IllegalArgumentException} ({@link FormatException} from {@link #parse}), and again inside
 * {@link #seal}, where Bouncy Castle's X25519 refuses the all-zero shared secret. The first check
 * stays because it is free ({@link X25519LowOrder} compares seven constants; no exchange) and it
 * keeps a key server from spending a request's verification, policy decision and unsealing before
 * finding out the response key is unusable; the second stays because it costs nothing extra.
 */
public final class HpkeRecipientKey {
  public static final int LENGTH = 32;

  private static final byte[] FINGERPRINT_TAG = "cachet/hpke-key/v1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] key;
  private final byte[] fingerprint;
  private final X25519PublicKeyParameters recipient;

  private HpkeRecipientKey(byte[] key) {
    if (key == null || key.length != LENGTH) {
      throw new IllegalArgumentException("an X25519 public key is " + LENGTH + " bytes");
    }
    this.key = key.clone();
    if (X25519LowOrder.isLowOrder(this.key)) {
      throw new IllegalArgumentException("not a usable X25519 public key (a low-order point)");
    }
    this.fingerprint = Blake2b.hash256(FINGERPRINT_TAG, this.key);
    this.recipient = new X25519PublicKeyParameters(this.key);
  }

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

  /**
   * HPKE base-mode seal (DHKEM-X25519, HKDF-SHA256, AES-256-GCM) with a fresh ephemeral key:
   * encapsulated key, then ciphertext. Safe to call from several threads at once.
   */
  public byte[] seal(byte[] plaintext, byte[] contextInfo) {
    return HpkeSuite.seal(recipient, plaintext, contextInfo);
  }

  /** The key as Bouncy Castle takes it, for {@link HpkeKeyPair}. */
  X25519PublicKeyParameters recipient() {
    return recipient;
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
