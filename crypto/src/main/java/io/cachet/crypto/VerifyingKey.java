package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint;

/**
 * An Ed25519 public key. Immutable; printed and carried as URL-safe base64.
 *
 * <p>Guarantee: {@link #verify} returns normally only for a signature made by the matching
 * private key over exactly these message bytes. It says nothing about when the message was made:
 * freshness is the caller's check.
 *
 * <p>A key that is not a canonical point of the prime-order subgroup (the all-zero key, the other
 * small-order points, mixed-order points) verifies nothing: for such keys a crafted signature can
 * pass the verification equation without any private key (an all-zero signature under the
 * all-zero key does for about one message in eight), so nothing signed under one can be trusted.
 *
 * <p>Verification runs on Bouncy Castle (RFC 8032), over twice as fast as Tink's. The key
 * is decoded and fully validated once, on first use, and the decoded point reused by every later
 * {@link #verify}. A signature is refused unless S is below the group order L, R is a canonical
 * encoding of a curve point, and [8][S]B = [8]R + [8][k]A (the check RFC 8032 section 5.1.7
 * specifies). Tink checks [S]B = R + [k]A without the factor 8; the two differ only for an R with
 * a small-order component, which, since k hashes R's bytes, only the holder of the private key
 * can make verify: it is another signature by the key holder, never a forgery
 * ({@code Ed25519InteropTest} shows both sides of this).
 */
public final class VerifyingKey {
  public static final int LENGTH = 32;
  public static final int SIGNATURE_LENGTH = 64;

  private final byte[] key;

  /**
   * The key decoded and checked by {@link Ed25519#validatePublicKeyFullExport}, or {@link #UNSOUND};
   * null until first use (a scalar multiplication), then kept.
   */
  private volatile Object decoded;

  /** Marks a key that failed full validation. */
  private static final Object UNSOUND = new Object();

  private VerifyingKey(byte[] key) {
    if (key == null || key.length != LENGTH) {
      throw new IllegalArgumentException("an Ed25519 public key is " + LENGTH + " bytes");
    }
    this.key = key.clone();
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
    Object point = decoded();
    if (point == UNSOUND) {
      throw new InvalidSignatureException(what + ": the key is not a valid Ed25519 public key (small or mixed order)");
    }
    if (!Ed25519.verify(signature, 0, (PublicPoint) point, message, 0, message.length)) {
      throw new InvalidSignatureException(what + ": signature does not verify");
    }
  }

  /** Whether this is a canonical encoding of a point in the prime-order subgroup (RFC 8032 full validation). */
  public boolean isSound() {
    return decoded() != UNSOUND;
  }

  private Object decoded() {
    Object d = decoded;
    if (d == null) {
      PublicPoint point = Ed25519.validatePublicKeyFullExport(key, 0);
      d = point == null ? UNSOUND : point;
      decoded = d;
    }
    return d;
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
