package io.cachet.bench.chaos.soak;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * The plaintext of one soak put, made from a seed and a size: any range of it can be made again
 * on demand, so a put of 64 MiB is never held in memory and a get is compared byte for byte
 * without keeping what was put. Bytes come in blocks of {@link #BLOCK} bytes, block {@code i}
 * from {@code SplittableRandom(seed ^ i·φ)}, so a range starts at its own block without making
 * the bytes before it. Not secret: the soak's data is test data, and replaying a seed must make
 * the same bytes.
 *
 * @param seed the seed the bytes come from
 * @param size how many bytes
 */
public record SeededBlob(long seed, long size) {
  /** Bytes made from one random generator; a range starts at a block boundary. */
  static final int BLOCK = 8192;
  /** Spreads block numbers over the seed space (the 64-bit golden ratio). */
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  public SeededBlob {
    if (size < 0) {
      throw new IllegalArgumentException("a size is 0 or more, got " + size);
    }
  }

  /** All the bytes, streamed. */
  public InputStream stream() {
    return range(0, size);
  }

  /** {@code length} bytes from {@code offset}, streamed. */
  public InputStream range(long offset, long length) {
    if (offset < 0 || length < 0 || offset > size || length > size - offset) {
      throw new IllegalArgumentException("range " + offset + "+" + length + " is outside " + size + " bytes");
    }
    return new InputStream() {
      private long position = offset;
      private final long end = offset + length;
      private final byte[] block = new byte[BLOCK];
      private long blockIndex = -1;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (position >= end) {
          return -1;
        }
        long index = position / BLOCK;
        if (index != blockIndex) {
          fill(index, block);
          blockIndex = index;
        }
        int within = (int) (position % BLOCK);
        int n = (int) Math.min(Math.min(len, BLOCK - within), end - position);
        System.arraycopy(block, within, b, off, n);
        position += n;
        return n;
      }
    };
  }

  private void fill(long index, byte[] block) {
    SplittableRandom random = new SplittableRandom(seed ^ (index * GOLDEN));
    for (int i = 0; i < BLOCK; i += 8) {
      long v = random.nextLong();
      for (int j = 0; j < 8; j++) {
        block[i + j] = (byte) (v >>> (8 * j));
      }
    }
  }

  /** SHA-256 of all the bytes. */
  public byte[] sha256() throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = stream()) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return digest.digest();
  }

  /**
   * Whether {@code actual} holds exactly the bytes from {@code offset} for {@code length}: the
   * first difference, or -1 if none. A stream shorter or longer than the range differs where it ends.
   */
  public long firstDifference(InputStream actual, long offset, long length) throws IOException {
    byte[] got = new byte[64 * 1024];
    byte[] want = new byte[got.length];
    long at = 0;
    try (InputStream expected = range(offset, length)) {
      while (true) {
        int n = actual.readNBytes(got, 0, got.length);
        int m = expected.readNBytes(want, 0, n == 0 ? 1 : n);
        if (n == 0) {
          return m == 0 ? -1 : at;
        }
        if (m < n) {
          return at + m;
        }
        for (int i = 0; i < n; i++) {
          if (got[i] != want[i]) {
            return at + i;
          }
        }
        at += n;
      }
    }
  }
}
