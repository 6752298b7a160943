package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;

/**
 * {@link X25519LowOrder}'s table against the definition it stands for: a key is low-order exactly
 * when Bouncy Castle's X25519 with a random private key gives the all-zero shared secret.
 */
class X25519LowOrderTest {
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Low-order encodings, including non-canonical ones and ones with the (ignored) top bit set. */
  static final String[] LOW_ORDER = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  };

  private static boolean allZeroExchange(byte[] key) {
    byte[] scalar = new byte[X25519.SCALAR_SIZE];
    X25519.generatePrivateKey(RANDOM, scalar);
    return !X25519.calculateAgreement(scalar, 0, key, 0, new byte[X25519.POINT_SIZE], 0);
  }

  private static byte[] littleEndian(BigInteger u) {
    byte[] be = u.toByteArray();
    byte[] le = new byte[32];
    for (int i = 0; i < le.length && i < be.length; i++) {
      le[i] = be[be.length - 1 - i];
    }
    return le;
  }

  @Test
  void table_agreesWithTheExchange_onLowOrderAndEdgeAndRandomKeys() {
    List<byte[]> keys = new ArrayList<>();
    for (String hex : LOW_ORDER) {
      keys.add(HexFormat.of().parseHex(hex));
    }
    for (int u = 0; u < 64; u++) { // small u, and p + u: every non-canonical encoding below 2^255
      keys.add(littleEndian(BigInteger.valueOf(u)));
      if (u < 19) {
        keys.add(littleEndian(P.add(BigInteger.valueOf(u))));
      }
      keys.add(littleEndian(P.subtract(BigInteger.valueOf(u + 1))));
    }
    for (int i = 0; i < 2000; i++) {
      byte[] k = new byte[32];
      RANDOM.nextBytes(k);
      keys.add(k);
    }
    List<byte[]> withTopBit = new ArrayList<>();
    for (byte[] k : keys) {
      byte[] t = k.clone();
      t[31] ^= (byte) 0x80;
      withTopBit.add(t);
    }
    keys.addAll(withTopBit);

    int lowOrder = 0;
    for (byte[] k : keys) {
      boolean expected = allZeroExchange(k);
      assertThat(X25519LowOrder.isLowOrder(k)).as(HexFormat.of().formatHex(k)).isEqualTo(expected);
      lowOrder += expected ? 1 : 0;
    }
    assertThat(lowOrder).as("the edge cases did reach the low-order points").isGreaterThanOrEqualTo(14);
  }

  @Test
  void everyListedKey_isLowOrder() {
    for (String hex : LOW_ORDER) {
      assertThat(X25519LowOrder.isLowOrder(HexFormat.of().parseHex(hex))).as(hex).isTrue();
    }
  }
}
