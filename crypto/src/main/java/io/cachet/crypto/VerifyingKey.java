package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.subtle.Ed25519Verify;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint;

/**
 * An Ed25519 public key. Immutable; printed and carried as URL-safe base64.
 *
 * <p>Guarantee: {@link #verify} and {@link #verifyCofactored} return normally only for a signature
 * made by the matching private key over exactly these message bytes. They say nothing about when
 * the message was made: freshness is the caller's check.
 *
 * <p>A key that is not a canonical point of the prime-order subgroup (the all-zero key, the other
 * small-order points, mixed-order points) verifies nothing: for such keys a crafted signature can
 * pass the verification equation without any private key (an all-zero signature under the
 * all-zero key does for about one message in eight), so nothing signed under one can be trusted.
 * The key is decoded and fully validated once, on first use, and kept.
 *
 * <p>Two checks, which RFC 8032 section 5.1.7 both allows, and which differ only for a signature
 * whose R has a small-order component. Since k hashes R's bytes, only the holder of the private
 * key can make such a signature verify: it is another signature by the key holder, never a
 * forgery. But where several parties must reach the same verdict on the same bytes, the rule is
 * part of their agreement:
 *
 * <ul>
 *   <li>{@link #verify}: [S]B = R + [k]A, on Tink, the check every Cachet release has made. The
 *       ledger's transactions, blocks and storage confirmations, receipts and descriptors use it:
 *       a follower of any release must accept exactly the blocks its sequencer accepted, and a
 *       sequencer that accepted more would let any user halt the followers that accept less.
 *   <li>{@link #verifyCofactored}: [8][S]B = [8]R + [8][k]A, on Bouncy Castle with the decoded
 *       point kept, about 2.4 times as fast. Only for a verdict no other party has to share: a
 *       key server's check of a request sent to it, where a key holder's
 *       odd signature can make that key server, alone, answer that key holder's own request.
 *       (A storage node makes the same choice for the writes sent to it, in {@code PublisherTrust}.)
 * </ul>
 *
 * Both refuse an S not below the group order L and an R that is not a canonical encoding
 * ({@code Ed25519InteropTest}).
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

  /** Tink's verifier of this key, made on the first {@link #verify}. */
  private volatile PublicKeyVerify cofactorless;

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

  /**
   * The check every party that must agree uses: RFC 8032 without the cofactor, [S]B = R + [k]A.
   *
   * @throws InvalidSignatureException naming {@code what}, if the key is unsound or the signature
   *     does not verify
   */
  public void verify(byte[] message, byte[] signature, String what) throws InvalidSignatureException {
    checkShape(signature, what);
    PublicKeyVerify v = cofactorless;
    if (v == null) {
      v = new Ed25519Verify(key);
      cofactorless = v;
    }
    try {
      v.verify(signature, message);
    } catch (GeneralSecurityException e) {
      throw new InvalidSignatureException(what + ": signature does not verify");
    }
  }

  /**
   * The faster check, RFC 8032 with the cofactor, [8][S]B = [8]R + [8][k]A: only where no other
   * party has to reach the same verdict (see the class comment).
   *
   * @throws InvalidSignatureException naming {@code what}, if the key is unsound or the signature
   *     does not verify
   */
  public void verifyCofactored(byte[] message, byte[] signature, String what) throws InvalidSignatureException {
    Object point = checkShape(signature, what);
    if (!Ed25519.verify(signature, 0, (PublicPoint) point, message, 0, message.length)) {
      throw new InvalidSignatureException(what + ": signature does not verify");
    }
  }

  /** The decoded key, once the signature's length and the key's soundness are checked. */
  private Object checkShape(byte[] signature, String what) throws InvalidSignatureException {
    if (signature == null || signature.length != SIGNATURE_LENGTH) {
      throw new InvalidSignatureException(what + ": a signature is " + SIGNATURE_LENGTH + " bytes");
    }
    Object point = decoded();
    if (point == UNSOUND) {
      throw new InvalidSignatureException(what + ": the key is not a valid Ed25519 public key (small or mixed order)");
    }
    return point;
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
