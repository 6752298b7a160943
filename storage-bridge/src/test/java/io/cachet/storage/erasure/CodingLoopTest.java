package io.cachet.storage.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast arithmetic against {@link NaiveCode}: field operations exhaustively, the bulk loop and
 * the codec's parity on random inputs, including lengths that span several chunks and end in a
 * partial word, matrices with zero entries, and more outputs than one batch.
 */
class CodingLoopTest {
  private static final long SEED = 0xC0D1_4E5L;

  @Test
  void mul_everyPair_matchesShiftAndXor() {
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        if (GaloisField.mul(a, b) != NaiveCode.mul(a, b)) {
          assertThat(GaloisField.mul(a, b)).as("%d * %d", a, b).isEqualTo(NaiveCode.mul(a, b));
        }
      }
    }
  }

  @Test
  void inverse_everyNonZero_isInverse() {
    for (int a = 1; a < 256; a++) {
      assertThat(NaiveCode.mul(a, GaloisField.inverse(a))).as("a=%d", a).isEqualTo(1);
    }
    assertThatThrownBy(() -> GaloisField.inverse(0)).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void invert_randomInvertible_givesIdentity() {
    Random random = new Random(SEED);
    for (int round = 0; round < 50; round++) {
      int size = 1 + random.nextInt(12);
      // A Cauchy matrix over random distinct points is always invertible.
      int[] points = random.ints(0, 256).distinct().limit(2L * size).toArray();
      byte[][] m = new byte[size][size];
      for (int i = 0; i < size; i++) {
        for (int j = 0; j < size; j++) {
          m[i][j] = (byte) NaiveCode.inverse(points[i] ^ points[size + j]);
        }
      }
      byte[][] product = GaloisField.multiply(GaloisField.invert(m), m);
      for (int i = 0; i < size; i++) {
        for (int j = 0; j < size; j++) {
          assertThat(product[i][j]).as("round %d (%d, %d)", round, i, j).isEqualTo((byte) (i == j ? 1 : 0));
        }
      }
    }
  }

  @Test
  void invert_singular_throws() {
    byte[][] m = {{1, 2}, {2, 4}}; // second row is 2 * the first
    assertThatThrownBy(() -> GaloisField.invert(m))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("singular matrix");
  }

  @Test
  void apply_randomMatrices_matchesNaive() {
    Random random = new Random(SEED);
    int chunkBytes = CodingLoop.CHUNK_WORDS * 8;
    int[] lengths = {0, 3, 8, 64, chunkBytes - 1, chunkBytes, chunkBytes + 8, 3 * chunkBytes + 5};
    for (int round = 0; round < 60; round++) {
      int inputs = 1 + random.nextInt(12);
      int outputs = 1 + random.nextInt(2 * CodingLoop.OUTPUT_BATCH + 3);
      int length = lengths[round % lengths.length];
      int offset = random.nextInt(9);
      byte[][] m = new byte[outputs][inputs];
      for (byte[] row : m) {
        for (int j = 0; j < inputs; j++) {
          // About a third zeros, so unused inputs and all-zero rows come up.
          row[j] = random.nextInt(3) == 0 ? 0 : (byte) random.nextInt(256);
        }
      }
      byte[][] in = new byte[inputs][offset + length + 4];
      for (byte[] shard : in) {
        random.nextBytes(shard);
      }
      byte[][] fast = new byte[outputs][offset + length + 4];
      for (byte[] shard : fast) {
        random.nextBytes(shard);
      }
      byte[][] slow = NaiveCode.deepCopy(fast);
      CodingLoop.apply(m, in, fast, offset, length);
      NaiveCode.apply(m, in, slow, offset, length);
      assertThat(fast).as("round %d: %d x %d, offset %d, length %d", round, outputs, inputs, offset, length)
          .isDeepEqualTo(slow);
    }
  }

  @Test
  void encode_randomShapes_matchesNaive() {
    Random random = new Random(SEED + 1);
    for (int round = 0; round < 40; round++) {
      int n = 1 + random.nextInt(round < 30 ? 24 : 255);
      int k = 1 + random.nextInt(n);
      int length = random.nextInt(round < 30 ? 5000 : 100);
      int offset = random.nextInt(16);
      byte[][] expected = NaiveCode.randomStripe(n, k, offset, length, 7, random);
      byte[][] actual = NaiveCode.deepCopy(expected);
      for (int s = k; s < n; s++) {
        random.nextBytes(actual[s]);
        System.arraycopy(expected[s], 0, actual[s], 0, offset);
        System.arraycopy(expected[s], offset + length, actual[s], offset + length, 7);
      }
      ReedSolomon.of(n, k).encode(actual, offset, length);
      assertThat(actual).as("round %d: n=%d k=%d offset %d length %d", round, n, k, offset, length)
          .isDeepEqualTo(expected);
    }
  }
}
