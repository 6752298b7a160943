package io.cachet.storage.erasure;

import java.util.Random;

/**
 * A slow, independent statement of the code for tests to check the codec against: GF(2^8)
 * multiplication by shift-and-XOR, inverses by search, and the Cauchy generator matrix written out
 * from the class comment of {@link ReedSolomon}. Shares no code with the main sources.
 */
final class NaiveCode {
  private NaiveCode() {}

  static int mul(int a, int b) {
    int r = 0;
    while (b != 0) {
      if ((b & 1) != 0) {
        r ^= a;
      }
      a <<= 1;
      if ((a & 0x100) != 0) {
        a ^= 0x11D;
      }
      b >>>= 1;
    }
    return r;
  }

  /** Inverses found by search over all products, once. */
  private static final int[] INVERSES = new int[256];

  static {
    for (int a = 1; a < 256; a++) {
      for (int b = 1; b < 256; b++) {
        if (mul(a, b) == 1) {
          INVERSES[a] = b;
        }
      }
    }
  }

  static int inverse(int a) {
    if (INVERSES[a] == 0) {
      throw new ArithmeticException("no inverse of " + a);
    }
    return INVERSES[a];
  }

  /**
   * Entry (s, j) of the generator: identity for data shards; for parity shard s = k + i,
   * 1 / (x_i + y_j) with x_i = k + i = s and y_j = j.
   */
  static int coefficient(int k, int s, int j) {
    if (s < k) {
      return s == j ? 1 : 0;
    }
    return inverse(s ^ j);
  }

  /** Parity shards k..n-1 for data shards 0..k-1, byte by byte, over [offset, offset + length). */
  static void encode(int n, int k, byte[][] shards, int offset, int length) {
    for (int s = k; s < n; s++) {
      int[] row = new int[k];
      for (int j = 0; j < k; j++) {
        row[j] = coefficient(k, s, j);
      }
      for (int t = offset; t < offset + length; t++) {
        int v = 0;
        for (int j = 0; j < k; j++) {
          v ^= mul(row[j], shards[j][t] & 0xFF);
        }
        shards[s][t] = (byte) v;
      }
    }
  }

  /** outputs[r] = XOR over j of m[r][j] * inputs[j], over [offset, offset + length). */
  static void apply(byte[][] m, byte[][] inputs, byte[][] outputs, int offset, int length) {
    for (int r = 0; r < outputs.length; r++) {
      for (int t = offset; t < offset + length; t++) {
        int v = 0;
        for (int j = 0; j < inputs.length; j++) {
          v ^= mul(m[r][j] & 0xFF, inputs[j][t] & 0xFF);
        }
        outputs[r][t] = (byte) v;
      }
    }
  }

  /** n arrays of offset + length + tail bytes, all random, parity computed naively in range. */
  static byte[][] randomStripe(int n, int k, int offset, int length, int tail, Random random) {
    byte[][] shards = new byte[n][offset + length + tail];
    for (byte[] shard : shards) {
      random.nextBytes(shard);
    }
    encode(n, k, shards, offset, length);
    return shards;
  }

  static byte[][] deepCopy(byte[][] shards) {
    byte[][] copy = new byte[shards.length][];
    for (int i = 0; i < shards.length; i++) {
      copy[i] = shards[i] == null ? null : shards[i].clone();
    }
    return copy;
  }
}
