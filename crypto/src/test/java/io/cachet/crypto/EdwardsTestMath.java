package io.cachet.crypto;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Slow, plain Ed25519 arithmetic for tests only (affine twisted Edwards coordinates with
 * {@link BigInteger}, RFC 8032 section 5.1): enough to build points and signatures that no real
 * signer makes (small-order keys, an R with a small-order component) and to check what the
 * libraries do with them. Never used outside tests.
 */
final class EdwardsTestMath {
  static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  static final BigInteger L = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
  static final BigInteger D = BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
  private static final BigInteger SQRT_M1 = BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);

  /** An affine point (x, y). */
  record Point(BigInteger x, BigInteger y) {}

  static final Point IDENTITY = new Point(BigInteger.ZERO, BigInteger.ONE);
  static final Point BASE = decode(encodeY(BigInteger.valueOf(4).multiply(BigInteger.valueOf(5).modInverse(P)).mod(P), 0));

  private EdwardsTestMath() {}

  static Point add(Point p, Point q) {
    BigInteger xy = p.x.multiply(q.x).multiply(p.y).multiply(q.y).multiply(D).mod(P);
    BigInteger x = p.x.multiply(q.y).add(p.y.multiply(q.x)).multiply(BigInteger.ONE.add(xy).modInverse(P)).mod(P);
    BigInteger y = p.y.multiply(q.y).add(p.x.multiply(q.x)).multiply(BigInteger.ONE.subtract(xy).mod(P).modInverse(P)).mod(P);
    return new Point(x, y);
  }

  static Point multiply(BigInteger k, Point p) {
    Point r = IDENTITY;
    for (int i = k.bitLength() - 1; i >= 0; i--) {
      r = add(r, r);
      if (k.testBit(i)) {
        r = add(r, p);
      }
    }
    return r;
  }

  static byte[] encode(Point p) {
    return encodeY(p.y, p.x.testBit(0) ? 1 : 0);
  }

  private static byte[] encodeY(BigInteger y, int sign) {
    byte[] out = littleEndian(y);
    out[31] |= (byte) (sign << 7);
    return out;
  }

  /** Decodes a point, or throws if the bytes are not one (RFC 8032 section 5.1.3; y need not be canonical). */
  static Point decode(byte[] encoded) {
    byte[] b = encoded.clone();
    int sign = (b[31] >> 7) & 1;
    b[31] &= 0x7f;
    BigInteger y = fromLittleEndian(b).mod(P);
    BigInteger y2 = y.multiply(y).mod(P);
    BigInteger u = y2.subtract(BigInteger.ONE).mod(P);
    BigInteger v = D.multiply(y2).add(BigInteger.ONE).mod(P);
    BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
    BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
    if (!x.multiply(x).mod(P).equals(x2)) {
      x = x.multiply(SQRT_M1).mod(P);
    }
    if (!x.multiply(x).mod(P).equals(x2)) {
      throw new IllegalArgumentException("not a point");
    }
    if (x.testBit(0) != (sign == 1)) {
      x = P.subtract(x).mod(P);
    }
    return new Point(x, y);
  }

  static byte[] littleEndian(BigInteger n) {
    byte[] be = n.toByteArray();
    byte[] le = new byte[32];
    for (int i = 0; i < le.length && i < be.length; i++) {
      le[i] = be[be.length - 1 - i];
    }
    return le;
  }

  static BigInteger fromLittleEndian(byte[] le) {
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    return new BigInteger(1, be);
  }

  static byte[] sha512(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-512");
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The secret scalar a of an Ed25519 seed (RFC 8032 section 5.1.5). */
  static BigInteger secretScalar(byte[] seed) {
    byte[] h = java.util.Arrays.copyOf(sha512(seed), 32);
    h[0] &= (byte) 0xf8;
    h[31] &= 0x7f;
    h[31] |= 0x40;
    return fromLittleEndian(h);
  }
}
