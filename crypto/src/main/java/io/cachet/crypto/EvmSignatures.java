package io.cachet.crypto;

import java.math.BigInteger;
import java.security.SignatureException;
import java.util.Arrays;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * Ethereum's recoverable secp256k1 signatures over a 32-byte digest, as 65 bytes {@code r ‖ s ‖ v}
 * (web3j on Bouncy Castle, deterministic RFC 6979 nonces). Recovery accepts exactly one spelling
 * of each signature: {@code v} 27 or 28, {@code r} and {@code s} in {@code 1..n-1}, and {@code s}
 * in the lower half of the curve order (EIP-2), so a signature cannot be replayed under a second,
 * malleated spelling.
 */
public final class EvmSignatures {
  /** Bytes of a signature: r (32), s (32), v (1). */
  public static final int LENGTH = 65;

  /** Bytes of the digest signed. */
  public static final int DIGEST_LENGTH = 32;

  /** secp256k1's group order n. */
  static final BigInteger ORDER = Sign.CURVE_PARAMS.getN();

  /** n / 2: the largest s EIP-2 allows. */
  private static final BigInteger HALF_ORDER = ORDER.shiftRight(1);

  private EvmSignatures() {}

  /** Signs a 32-byte digest (it is not hashed again). */
  static byte[] sign(byte[] digest, ECKeyPair key) {
    checkDigest(digest);
    Sign.SignatureData sig = Sign.signMessage(digest, key, false);
    byte[] out = new byte[LENGTH];
    System.arraycopy(sig.getR(), 0, out, 0, 32);
    System.arraycopy(sig.getS(), 0, out, 32, 32);
    out[64] = sig.getV()[0];
    return out;
  }

  /**
   * The address whose key made {@code signature} over {@code digest}.
   *
   * @throws InvalidSignatureException if the signature is malformed, malleated (high s, v other
   *     than 27/28) or recovers no key
   */
  public static Address recover(byte[] digest, byte[] signature, String what) throws InvalidSignatureException {
    checkDigest(digest);
    if (signature == null || signature.length != LENGTH) {
      throw new InvalidSignatureException(what + ": an EVM signature is " + LENGTH + " bytes (r, s, v)");
    }
    int v = signature[64] & 0xff;
    if (v != 27 && v != 28) {
      throw new InvalidSignatureException(what + ": signature v is " + v + "; only 27 or 28 is accepted");
    }
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    if (r.signum() == 0 || r.compareTo(ORDER) >= 0 || s.signum() == 0 || s.compareTo(ORDER) >= 0) {
      throw new InvalidSignatureException(what + ": signature r or s is out of range");
    }
    if (s.compareTo(HALF_ORDER) > 0) {
      throw new InvalidSignatureException(what + ": signature has a high s (EIP-2 requires s <= n/2)");
    }
    BigInteger publicKey;
    try {
      publicKey = Sign.signedMessageHashToKey(digest, new Sign.SignatureData(signature[64],
          Arrays.copyOfRange(signature, 0, 32), Arrays.copyOfRange(signature, 32, 64)));
    } catch (SignatureException | RuntimeException e) {
      throw new InvalidSignatureException(what + ": signature recovers no key");
    }
    return addressOf(publicKey);
  }

  /** The EVM address of an uncompressed public key (64 bytes as web3j's integer). */
  static Address addressOf(BigInteger publicKey) {
    return Address.ofEvm(Keys.getAddress(toBytes64(publicKey)));
  }

  private static byte[] toBytes64(BigInteger value) {
    byte[] raw = value.toByteArray();
    byte[] out = new byte[64];
    int copy = Math.min(raw.length, 64);
    System.arraycopy(raw, raw.length - copy, out, 64 - copy, copy);
    return out;
  }

  private static void checkDigest(byte[] digest) {
    if (digest == null || digest.length != DIGEST_LENGTH) {
      throw new IllegalArgumentException("an EVM signature covers a " + DIGEST_LENGTH + "-byte digest");
    }
  }
}
