package io.cachet.storage.erasure;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A systematic Reed-Solomon erasure code over GF(2^8): n shards of equal length, the first k of
 * which are the data itself, such that any k of the n rebuild all the others.
 *
 * <h2>Construction (a stored format)</h2>
 * Parity bytes are hashed into blob ids, so they must never change. They are defined as follows.
 * <ul>
 *   <li>The field is GF(2)[x] / (x^8 + x^4 + x^3 + x^2 + 1) (polynomial 0x11D); byte value b is the
 *       polynomial with bit i as the coefficient of x^i, and addition is XOR.
 *   <li>The generator matrix G has n rows and k columns: rows 0..k-1 are the identity, and row
 *       k + i (0 <= i < n - k) is the Cauchy row {@code G[k+i][j] = 1 / (x_i + y_j)} with
 *       {@code x_i = k + i} and {@code y_j = j} taken as field elements (so {@code x_i + y_j} is
 *       {@code (k + i) XOR j}, never 0 because the n values 0..n-1 are distinct).
 *   <li>Byte t of shard s is {@code XOR over j of G[s][j] * data_j[t]}: each byte position is coded
 *       on its own, from byte t of every data shard.
 * </ul>
 * For example, for n = 7, k = 3 the first parity row is 1/3, 1/2, 1/1 = 0xF4, 0x8E, 0x01.
 *
 * <p>Why any k shards suffice: take k rows of G. Eliminating the identity rows among them leaves a
 * square submatrix of the Cauchy matrix, and every square submatrix of a Cauchy matrix is
 * invertible; so every k x k submatrix of G is invertible (G is MDS). To rebuild, the codec picks
 * the first k present shards, inverts their k rows of G, and multiplies G by that inverse: row s of
 * the product gives shard s from the chosen ones. These recovery matrices are cached per set of
 * chosen shards, a few per instance (the erasure patterns of a live network are few and recur).
 *
 * <p>Instances are immutable apart from that cache, thread-safe, and cheap to build; reuse one per
 * (n, k) to reuse its cache. Every operation works on a byte range {@code [offset, offset +
 * length)} that is the same in all shards; every shard an operation reads or writes (for a rebuild:
 * every present shard and every one to be rebuilt) must be at least {@code offset + length} long.
 * Shard arrays must be distinct objects; an array passed twice gives undefined results. Bulk work
 * runs in {@link CodingLoop}.
 */
public final class ReedSolomon {
  /** Most shards, as in {@code codec.Encoding}; the construction needs n distinct field elements. */
  public static final int MAX_SHARDS = 255;

  /** Budget for cached recovery matrices per instance, in matrix bytes (n * k each). */
  static final int RECOVERY_CACHE_BYTES = 1 << 20;

  /** Cap on cached recovery matrices per instance, whatever their size. */
  static final int RECOVERY_CACHE_ENTRIES = 256;

  private final int n;
  private final int k;
  /** The parity rows of G, (n - k) x k: what {@link #encode} multiplies the data by. */
  private final byte[][] parityRows;
  private final int cacheLimit;
  private final Map<ShardSet, byte[][]> recoveryCache = new ConcurrentHashMap<>();

  private ReedSolomon(int n, int k) {
    this.n = n;
    this.k = k;
    this.parityRows = new byte[n - k][k];
    for (int i = 0; i < n - k; i++) {
      for (int j = 0; j < k; j++) {
        parityRows[i][j] = (byte) GaloisField.inverse((k + i) ^ j);
      }
    }
    this.cacheLimit = Math.max(1, Math.min(RECOVERY_CACHE_ENTRIES, RECOVERY_CACHE_BYTES / (n * k)));
  }

  /**
   * n total shards, k data shards; 1 <= k <= n <= 255. Instances are immutable and thread-safe;
   * may be cached per (n,k).
   */
  public static ReedSolomon of(int n, int k) {
    if (k < 1 || n < k || n > MAX_SHARDS) {
      throw new IllegalArgumentException("need 1 <= k <= n <= " + MAX_SHARDS + ", got n=" + n + " k=" + k);
    }
    return new ReedSolomon(n, k);
  }

  public int n() {
    return n;
  }

  public int k() {
    return k;
  }

  /**
   * shards.length == n; each array at least offset+length long. Reads shards[0..k-1] in
   * [offset, offset+length), writes parity into shards[k..n-1] in the same range.
   */
  public void encode(byte[][] shards, int offset, int length) {
    checkShardCount(shards);
    checkRange(offset, length);
    for (int i = 0; i < n; i++) {
      checkShard(shards, i, offset, length);
    }
    if (n == k) {
      return;
    }
    CodingLoop.apply(parityRows, Arrays.copyOfRange(shards, 0, k), Arrays.copyOfRange(shards, k, n), offset, length);
  }

  /**
   * present[i] tells whether shards[i] holds valid bytes in the range. Needs at least k present
   * (else IllegalArgumentException naming counts). Rebuilds every missing shard (data and parity)
   * in place; arrays for missing shards must be allocated by the caller. Present shards are not
   * written.
   */
  public void reconstruct(byte[][] shards, boolean[] present, int offset, int length) {
    rebuild(shards, present, offset, length, n);
  }

  /**
   * Like reconstruct but rebuilds only missing data shards 0..k-1 (readers use it). Missing parity
   * shards are neither read nor written, and may be null.
   */
  public void reconstructData(byte[][] shards, boolean[] present, int offset, int length) {
    rebuild(shards, present, offset, length, k);
  }

  @Override
  public String toString() {
    return "ReedSolomon(n=" + n + ", k=" + k + ")";
  }

  // ---------------------------------------------------------------- reconstruction

  /** Rebuilds the missing shards among 0..limit-1 from the first k present ones. */
  private void rebuild(byte[][] shards, boolean[] present, int offset, int length, int limit) {
    checkShardCount(shards);
    Objects.requireNonNull(present, "present");
    if (present.length != n) {
      throw new IllegalArgumentException("present has " + present.length + " flags, the code has n=" + n + " shards");
    }
    checkRange(offset, length);
    int presentCount = 0;
    int missingCount = 0;
    for (int i = 0; i < n; i++) {
      if (present[i]) {
        presentCount++;
      } else if (i < limit) {
        missingCount++;
      }
    }
    if (presentCount < k) {
      throw new IllegalArgumentException(
          "need at least k=" + k + " present shards to rebuild, got " + presentCount + " of n=" + n);
    }
    int[] chosen = new int[k];
    int[] missing = new int[missingCount];
    for (int i = 0, c = 0, m = 0; i < n; i++) {
      if (present[i] || i < limit) {
        checkShard(shards, i, offset, length);
      }
      if (present[i] && c < k) {
        chosen[c++] = i;
      } else if (!present[i] && i < limit) {
        missing[m++] = i;
      }
    }
    if (missingCount == 0) {
      return;
    }
    byte[][] recovery = recoveryMatrix(chosen);
    byte[][] rows = new byte[missingCount][];
    byte[][] outputs = new byte[missingCount][];
    for (int m = 0; m < missingCount; m++) {
      rows[m] = recovery[missing[m]];
      outputs[m] = shards[missing[m]];
    }
    byte[][] inputs = new byte[k][];
    for (int c = 0; c < k; c++) {
      inputs[c] = shards[chosen[c]];
    }
    CodingLoop.apply(rows, inputs, outputs, offset, length);
  }

  /** R = G * (G restricted to the chosen rows)^-1, n x k: row s rebuilds shard s from the chosen. */
  private byte[][] recoveryMatrix(int[] chosen) {
    ShardSet key = ShardSet.of(chosen);
    byte[][] cached = recoveryCache.get(key);
    if (cached != null) {
      return cached;
    }
    byte[][] sub = new byte[k][];
    for (int c = 0; c < k; c++) {
      sub[c] = generatorRow(chosen[c]);
    }
    byte[][] generator = new byte[n][];
    for (int s = 0; s < n; s++) {
      generator[s] = generatorRow(s);
    }
    byte[][] recovery = GaloisField.multiply(generator, GaloisField.invert(sub));
    if (recoveryCache.size() >= cacheLimit) {
      // Evict an arbitrary entry: patterns are few, so this is rare and needs no LRU order.
      Iterator<ShardSet> it = recoveryCache.keySet().iterator();
      if (it.hasNext()) {
        recoveryCache.remove(it.next());
      }
    }
    recoveryCache.putIfAbsent(key, recovery);
    return recovery;
  }

  private byte[] generatorRow(int s) {
    if (s >= k) {
      return parityRows[s - k];
    }
    byte[] unit = new byte[k];
    unit[s] = 1;
    return unit;
  }

  /** A set of shard indices below 256, as a 256-bit mask. */
  private record ShardSet(long w0, long w1, long w2, long w3) {
    static ShardSet of(int[] indices) {
      long[] w = new long[4];
      for (int i : indices) {
        w[i >>> 6] |= 1L << i;
      }
      return new ShardSet(w[0], w[1], w[2], w[3]);
    }
  }

  // ---------------------------------------------------------------- argument checks

  private void checkShardCount(byte[][] shards) {
    Objects.requireNonNull(shards, "shards");
    if (shards.length != n) {
      throw new IllegalArgumentException("got " + shards.length + " shards, the code has n=" + n);
    }
  }

  private static void checkRange(int offset, int length) {
    if (offset < 0 || length < 0) {
      throw new IndexOutOfBoundsException("negative offset or length: offset=" + offset + " length=" + length);
    }
  }

  private static void checkShard(byte[][] shards, int i, int offset, int length) {
    byte[] shard = shards[i];
    if (shard == null) {
      throw new NullPointerException("shards[" + i + "] is null");
    }
    if ((long) offset + length > shard.length) {
      throw new IndexOutOfBoundsException("shards[" + i + "] has " + shard.length + " bytes, range [" + offset
          + ", " + ((long) offset + length) + ") does not fit");
    }
  }
}
