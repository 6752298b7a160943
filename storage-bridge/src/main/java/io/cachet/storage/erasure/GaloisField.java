package io.cachet.storage.erasure;

/**
 * Arithmetic in GF(2^8) = GF(2)[x] / (x^8 + x^4 + x^3 + x^2 + 1), and the few matrix operations
 * the codec needs. A byte stands for the polynomial whose coefficient of x^i is bit i; addition is
 * XOR. Scalar work here runs once per code shape or erasure pattern, never per data byte: bulk
 * multiplication is {@link CodingLoop}'s job.
 */
final class GaloisField {
  /** The reducing polynomial x^8 + x^4 + x^3 + x^2 + 1, the usual choice for RS over bytes. */
  static final int POLYNOMIAL = 0x11D;

  /** The low byte of {@link #POLYNOMIAL}: what x^8 reduces to, XORed in when a product overflows. */
  static final int REDUCTION = POLYNOMIAL & 0xFF;

  /** x (the byte 2) generates the multiplicative group under this polynomial. */
  private static final int GENERATOR = 2;

  /** EXP[i] = GENERATOR^i, doubled in length so that EXP[LOG[a] + LOG[b]] needs no reduction. */
  private static final int[] EXP = new int[2 * 255];

  /** LOG[a] for a != 0; LOG[0] is unused. */
  private static final int[] LOG = new int[256];

  static {
    int v = 1;
    for (int i = 0; i < 255; i++) {
      EXP[i] = v;
      EXP[i + 255] = v;
      LOG[v] = i;
      v = times2(v);
    }
    if (v != 1) {
      throw new AssertionError("x does not generate GF(2^8)*");
    }
  }

  private GaloisField() {}

  /** a * x, reduced. */
  static int times2(int a) {
    int d = a << 1;
    return (d & 0x100) != 0 ? (d ^ POLYNOMIAL) : d;
  }

  static int mul(int a, int b) {
    if (a == 0 || b == 0) {
      return 0;
    }
    return EXP[LOG[a] + LOG[b]];
  }

  static int inverse(int a) {
    if (a == 0) {
      throw new ArithmeticException("0 has no inverse in GF(2^8)");
    }
    return EXP[255 - LOG[a]];
  }

  // ---------------------------------------------------------------- matrices (row-major, bytes)

  /** a (r x m) times b (m x c). */
  static byte[][] multiply(byte[][] a, byte[][] b) {
    int cols = b[0].length;
    byte[][] out = new byte[a.length][cols];
    for (int i = 0; i < a.length; i++) {
      for (int t = 0; t < b.length; t++) {
        int f = a[i][t] & 0xFF;
        if (f == 0) {
          continue;
        }
        for (int j = 0; j < cols; j++) {
          out[i][j] ^= (byte) mul(f, b[t][j] & 0xFF);
        }
      }
    }
    return out;
  }

  /**
   * The inverse of a square matrix by Gauss-Jordan elimination; the argument is not changed.
   *
   * @throws IllegalStateException if the matrix is singular, which for the codec's MDS matrices
   *     would be a bug, not a caller's mistake
   */
  static byte[][] invert(byte[][] matrix) {
    int size = matrix.length;
    byte[][] work = new byte[size][];
    byte[][] inv = new byte[size][size];
    for (int i = 0; i < size; i++) {
      work[i] = matrix[i].clone();
      inv[i][i] = 1;
    }
    for (int col = 0; col < size; col++) {
      int pivot = col;
      while (pivot < size && work[pivot][col] == 0) {
        pivot++;
      }
      if (pivot == size) {
        throw new IllegalStateException("singular matrix");
      }
      swap(work, col, pivot);
      swap(inv, col, pivot);
      int scale = inverse(work[col][col] & 0xFF);
      scaleRow(work[col], scale);
      scaleRow(inv[col], scale);
      for (int row = 0; row < size; row++) {
        int f = work[row][col] & 0xFF;
        if (row != col && f != 0) {
          addScaled(work[row], work[col], f);
          addScaled(inv[row], inv[col], f);
        }
      }
    }
    return inv;
  }

  private static void swap(byte[][] m, int i, int j) {
    byte[] t = m[i];
    m[i] = m[j];
    m[j] = t;
  }

  private static void scaleRow(byte[] row, int f) {
    for (int j = 0; j < row.length; j++) {
      row[j] = (byte) mul(row[j] & 0xFF, f);
    }
  }

  /** target += f * source. */
  private static void addScaled(byte[] target, byte[] source, int f) {
    for (int j = 0; j < target.length; j++) {
      target[j] ^= (byte) mul(source[j] & 0xFF, f);
    }
  }
}
