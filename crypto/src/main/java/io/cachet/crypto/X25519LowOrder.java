package io.cachet.crypto;

import java.util.HexFormat;

/**
 * Recognises the X25519 public keys that RFC 7748 section 6.1 says to refuse: the points of small
 * order on Curve25519 and on its twist, in every encoding X25519 accepts. A Diffie-Hellman exchange
 * with such a key yields the all-zero shared secret whatever the private key, so anything sealed to
 * it is readable by anyone.
 *
 * <p>Why a table and not an exchange: X25519 clears the top bit of a key and reduces it modulo
 * p = 2^255 - 19, and a clamped private scalar is a multiple of 8 below 8 times the prime order.
 * The output is zero exactly when the key's point has order dividing 8, and those points have
 * five u-coordinates: 0 (order 2), 1 and p - 1 (order 4, one on the curve, one on the twist) and
 * the two of order 8. With the top bit cleared, the only other encodings below 2^255 of these
 * values are p and p + 1. These seven are the list libsodium checks in {@code has_small_order} and
 * Tink in {@code Curve25519.BANNED_PUBLIC_KEYS}; {@code X25519LowOrderTest} checks the table
 * against Bouncy Castle's all-zero test of a real exchange. The check is a few byte comparisons,
 * where the exchange it replaces was a scalar multiplication per key parsed.
 */
final class X25519LowOrder {
  /** The seven little-endian encodings, top bit cleared, of the low-order u-coordinates. */
  private static final byte[][] ENCODINGS = decode(
      "0000000000000000000000000000000000000000000000000000000000000000", // 0
      "0100000000000000000000000000000000000000000000000000000000000000", // 1
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"); // p + 1

  private X25519LowOrder() {}

  /** Whether X25519 with any private key and this 32-byte public key gives the all-zero secret. */
  static boolean isLowOrder(byte[] key) {
    if (key.length != HpkeRecipientKey.LENGTH) {
      throw new IllegalArgumentException("an X25519 public key is " + HpkeRecipientKey.LENGTH + " bytes");
    }
    for (byte[] bad : ENCODINGS) {
      int diff = (key[31] & 0x7f) ^ bad[31];
      for (int i = 0; i < 31; i++) {
        diff |= key[i] ^ bad[i];
      }
      if (diff == 0) {
        return true;
      }
    }
    return false;
  }

  private static byte[][] decode(String... hex) {
    byte[][] out = new byte[hex.length][];
    for (int i = 0; i < hex.length; i++) {
      out[i] = HexFormat.of().parseHex(hex[i]);
    }
    return out;
  }
}
