package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.subtle.Ed25519Verify;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key (Tink). Immutable; printed and carried as URL-safe base64.
 *
 * <p>Guarantee: {@link #verify} returns normally only for a signature made by the matching
 * private key over exactly these message bytes. It says nothing about when the message was made:
 * freshness is the caller's check.
 *
 * <p>A key that is not a canonical point of the prime-order subgroup (the all-zero key, the other
 * small-order points, mixed-order points) verifies nothing: for such keys a crafted signature can
 * pass the verification equation without any private key (an all-zero signature under the
 * all-zero key does for about one message in eight), so nothing signed under one can be trusted.
 */
public final class VerifyingKey {
  public static final int LENGTH = 32;
  public static final int SIGNATURE_LENGTH = 64;

  private final byte[] key;
  private final PublicKeyVerify verifier;

  /** Whether the key is a sound public key; checked on first use (a scalar multiplication), then kept. */
  private volatile Boolean sound;

  private VerifyingKey(byte[] key) {
    if (key == null || key.length != LENGTH) {
      throw new IllegalArgumentException("an Ed25519 public key is " + LENGTH + " bytes");
    }
    this.key = key.clone();
    this.verifier = new Ed25519Verify(this.key);
  }

  public static VerifyingKey of(byte[] key) {
    return new VerifyingKey(key);
  }

  @JsonCreator
  public static VerifyingKey parse(String base64) throws FormatException {
    return new VerifyingKey(Base64Url.decode(base64, LENGTH, "VerifyingKey"));
  }

  public void verify(byte[] message, byte[] signature, String what) throws InvalidSignatureException {
    if (signature == null || signature.length != SIGNATURE_LENGTH) {
      throw new InvalidSignatureException(what + ": a signature is " + SIGNATURE_LENGTH + " bytes");
    }
    if (!isSound()) {
      throw new InvalidSignatureException(what + ": the key is not a valid Ed25519 public key (small or mixed order)");
    }
    try {
      verifier.verify(signature, message);
    } catch (GeneralSecurityException e) {
      throw new InvalidSignatureException(what + ": signature does not verify");
    }
  }

  /** Whether this is a canonical encoding of a point in the prime-order subgroup (RFC 8032 full validation). */
  public boolean isSound() {
    Boolean s = sound;
    if (s == null) {
      s = Ed25519.validatePublicKeyFull(key, 0);
      sound = s;
    }
    return s;
  }

  public Address address() {
    return Address.ofEd25519(key);
  }

  public byte[] bytes() {
    return key.clone();
  }

  @JsonValue
  @Override
  public String toString() {
    return Base64Url.encode(key);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifyingKey other && Arrays.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }
}
