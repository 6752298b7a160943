package io.cachet.storage.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Every erasure pattern of every small code, the pinned parity bytes of the stored format, and the
 * argument checks. Random cases at larger sizes are in {@link ReedSolomonProperties}; agreement of
 * the fast loop with a naive one is in {@link CodingLoopTest}.
 */
class ReedSolomonTest {
  private static final long SEED = 0x5EED_C0DEL;

  /** Shard lengths for the exhaustive run: empty, tail only, one word, word plus tail, two chunks. */
  private static final int[] LENGTHS = {0, 1, 7, 8, 13, 2 * CodingLoop.CHUNK_WORDS * 8 + 11};

  /** Bytes before the coded range in every array; more guard bytes follow it. */
  private static final int OFFSET = 5;
  private static final int GUARD = 3;

  // ---------------------------------------------------------------- exhaustive, n <= 8

  @Test
  void everyErasurePattern_upToEightShards_rebuildsExactly() {
    Random random = new Random(SEED);
    int patterns = 0;
    for (int n = 1; n <= 8; n++) {
      for (int k = 1; k <= n; k++) {
        ReedSolomon rs = ReedSolomon.of(n, k);
        for (int length : LENGTHS) {
          byte[][] original = NaiveCode.randomStripe(n, k, OFFSET, length, GUARD, random);
          byte[][] encoded = NaiveCode.deepCopy(original);
          rs.encode(encoded, OFFSET, length);
          assertSame(encoded, original, rs + " encode, length " + length);
          for (int missing = 0; missing < 1 << n; missing++) {
            if (Integer.bitCount(missing) > n - k) {
              continue;
            }
            checkPattern(rs, original, missing, length, random);
            patterns++;
          }
        }
      }
    }
    assertThat(patterns).isEqualTo(LENGTHS.length * 1_793); // sum over n <= 8, k of patterns of <= n-k losses
  }

  /** Destroys the shards in {@code missing} (a bit mask) in range only, then rebuilds both ways. */
  private static void checkPattern(ReedSolomon rs, byte[][] original, int missing, int length, Random random) {
    int n = rs.n();
    boolean[] present = new boolean[n];
    byte[][] damaged = NaiveCode.deepCopy(original);
    for (int i = 0; i < n; i++) {
      present[i] = (missing & (1 << i)) == 0;
      if (!present[i]) {
        for (int t = OFFSET; t < OFFSET + length; t++) {
          damaged[i][t] = (byte) random.nextInt();
        }
      }
    }
    String what = rs + " missing " + Integer.toBinaryString(missing) + " length " + length;

    byte[][] all = NaiveCode.deepCopy(damaged);
    rs.reconstruct(all, present, OFFSET, length);
    assertSame(all, original, what + ": reconstruct");

    byte[][] data = NaiveCode.deepCopy(damaged);
    rs.reconstructData(data, present, OFFSET, length);
    byte[][] expected = NaiveCode.deepCopy(damaged);
    System.arraycopy(original, 0, expected, 0, rs.k());
    assertSame(data, expected, what + ": reconstructData");
  }

  private static void assertSame(byte[][] actual, byte[][] expected, String what) {
    if (!Arrays.deepEquals(actual, expected)) {
      assertThat(actual).as(what).isDeepEqualTo(expected);
    }
  }

  // ---------------------------------------------------------------- known answers (stored format)

  /** The parity row quoted in the class comment: 1/3, 1/2, 1/1 for n = 7, k = 3. */
  @Test
  void firstParityRow_sevenThree_isAsDocumented() {
    byte[][] shards = new byte[7][1];
    ReedSolomon rs = ReedSolomon.of(7, 3);
    int[] expected = {0xF4, 0x8E, 0x01};
    for (int j = 0; j < 3; j++) {
      Arrays.fill(shards[0], (byte) 0);
      Arrays.fill(shards[1], (byte) 0);
      Arrays.fill(shards[2], (byte) 0);
      shards[j][0] = 1;
      rs.encode(shards, 0, 1);
      assertThat(shards[3][0] & 0xFF).as("G[3][%d]", j).isEqualTo(expected[j]);
    }
  }

  @Test
  void parity_sevenThree_matchesPinnedDigests() {
    assertParityDigests(7, 3, 4099,
        "0420e4091d4c0193615333dbef5ec180ef699cbb5978245bfc41c33ed8582ace",
        "9db27463134189bfcd42f2dfa16c65061ff9101acc7af65259ab29e387932c7d",
        "880366ba38e412bf435a013badc36a7d46223d3b9af558da52f9c939c7df60ba",
        "b9e112a98d0d0b8b33367b33362c38d71980a7098176c1fee73c9b0948c489b1");
  }

  @Test
  void parity_tenFour_matchesPinnedDigests() {
    assertParityDigests(10, 4, 1001,
        "50eabdb6c33d04bc59c4d4b1d8b236bd27a136c05be9e8a127828778e49227d5",
        "696528667f27d7ece545bc79150c3532dbed2871bc1d43d2db86e817b21c04ef",
        "bd668747d299d88d5037e4b41bdde70a02d1c055a217e4f6431d6f210e58ded7",
        "e0f2a3bd4a9140f1f854a4d809c770bb6bf526f8e2df9346d339dcfbd20fd8e1",
        "016242a464a3bae1b07d934dd334fedfe8eda3dc7b0da9f253d190b054248c9c",
        "95c6fda6d6fb2b58a435b3a5b688a88150bf9536feca808a5ad3f3425c5ec155");
  }

  /**
   * Data byte i of the stripe (data shards concatenated) is (i * 31 + 7) mod 256; the SHA-256 of
   * each parity shard must be the pinned value, both from the codec and from the naive code.
   */
  private static void assertParityDigests(int n, int k, int shardLength, String... hex) {
    byte[][] shards = new byte[n][shardLength];
    for (int j = 0; j < k; j++) {
      for (int t = 0; t < shardLength; t++) {
        shards[j][t] = (byte) ((j * shardLength + t) * 31 + 7);
      }
    }
    byte[][] naive = NaiveCode.deepCopy(shards);
    NaiveCode.encode(n, k, naive, 0, shardLength);
    ReedSolomon.of(n, k).encode(shards, 0, shardLength);
    List<String> actual = new ArrayList<>();
    for (int s = k; s < n; s++) {
      actual.add(sha256(shards[s]));
      assertThat(shards[s]).as("parity shard %d against the naive code", s).isEqualTo(naive[s]);
    }
    assertThat(actual).containsExactly(hex);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  // ---------------------------------------------------------------- the recovery cache

  /** More erasure patterns than one instance caches (241 for n=255, k=17): still exact. */
  @Test
  void reconstructData_morePatternsThanCached_staysExact() {
    int n = 255;
    int k = 17;
    int length = 9;
    ReedSolomon rs = ReedSolomon.of(n, k);
    Random random = new Random(SEED);
    byte[][] original = NaiveCode.randomStripe(n, k, 0, length, 0, random);
    int limit = ReedSolomon.RECOVERY_CACHE_BYTES / (n * k);
    assertThat(limit).isLessThan(ReedSolomon.RECOVERY_CACHE_ENTRIES);
    for (int round = 0; round < limit + 20; round++) {
      boolean[] present = randomPresent(n, k, random);
      byte[][] shards = NaiveCode.deepCopy(original);
      for (int j = 0; j < k; j++) {
        if (!present[j]) {
          Arrays.fill(shards[j], (byte) 0);
        }
      }
      rs.reconstructData(shards, present, 0, length);
      assertSame(Arrays.copyOf(shards, k), Arrays.copyOf(original, k), "round " + round);
    }
  }

  @Test
  void reconstruct_sharedInstanceAcrossThreads_staysExact() throws Exception {
    ReedSolomon rs = ReedSolomon.of(12, 5);
    byte[][] original = NaiveCode.randomStripe(12, 5, 0, 100, 0, new Random(SEED));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        long seed = SEED + w;
        runs.add(pool.submit(() -> {
          Random random = new Random(seed);
          for (int round = 0; round < 200; round++) {
            boolean[] present = randomPresent(12, 5, random);
            byte[][] shards = NaiveCode.deepCopy(original);
            rs.reconstruct(shards, present, 0, 100);
            assertSame(shards, original, "thread seed " + seed + " round " + round);
          }
          return null;
        }));
      }
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Exactly {@code count} of {@code n} flags set, chosen at random. */
  private static boolean[] randomPresent(int n, int count, Random random) {
    boolean[] present = new boolean[n];
    for (int set = 0; set < count; ) {
      int i = random.nextInt(n);
      if (!present[i]) {
        present[i] = true;
        set++;
      }
    }
    return present;
  }

  // ---------------------------------------------------------------- argument checks

  @Test
  void of_badShape_throws() {
    int[][] bad = {{0, 0}, {1, 0}, {3, 4}, {256, 3}, {-1, 1}, {5, -2}};
    for (int[] shape : bad) {
      assertThatThrownBy(() -> ReedSolomon.of(shape[0], shape[1]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("need 1 <= k <= n <= 255, got n=" + shape[0] + " k=" + shape[1]);
    }
    assertThat(ReedSolomon.of(255, 1).n()).isEqualTo(255);
    assertThat(ReedSolomon.of(1, 1).k()).isEqualTo(1);
  }

  @Test
  void encode_wrongShardCount_throws() {
    ReedSolomon rs = ReedSolomon.of(7, 3);
    assertThatThrownBy(() -> rs.encode(new byte[6][8], 0, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("got 6 shards, the code has n=7");
    assertThatThrownBy(() -> rs.encode(null, 0, 8)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void encode_shortOrNullShard_throwsNamingIt() {
    ReedSolomon rs = ReedSolomon.of(7, 3);
    byte[][] shards = new byte[7][16];
    shards[5] = new byte[10];
    assertThatThrownBy(() -> rs.encode(shards, 0, 16))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("shards[5] has 10 bytes, range [0, 16) does not fit");
    shards[5] = null;
    assertThatThrownBy(() -> rs.encode(shards, 0, 16))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("shards[5] is null");
  }

  @Test
  void encode_rangeOutOfBounds_throws() {
    ReedSolomon rs = ReedSolomon.of(7, 3);
    byte[][] shards = new byte[7][16];
    assertThatThrownBy(() -> rs.encode(shards, -1, 4))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("negative offset or length: offset=-1 length=4");
    assertThatThrownBy(() -> rs.encode(shards, 0, -4))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("negative offset or length: offset=0 length=-4");
    assertThatThrownBy(() -> rs.encode(shards, 9, 8))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("shards[0] has 16 bytes, range [9, 17) does not fit");
    assertThatThrownBy(() -> rs.encode(shards, Integer.MAX_VALUE, 2))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("shards[0] has 16 bytes, range [2147483647, 2147483649) does not fit");
    assertThatCode(() -> rs.encode(shards, 16, 0)).doesNotThrowAnyException();
  }

  @Test
  void reconstruct_tooFewPresent_throwsNamingCounts() {
    ReedSolomon rs = ReedSolomon.of(7, 3);
    byte[][] shards = new byte[7][8];
    boolean[] present = {true, false, false, false, false, true, false};
    assertThatThrownBy(() -> rs.reconstruct(shards, present, 0, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("need at least k=3 present shards to rebuild, got 2 of n=7");
    assertThatThrownBy(() -> rs.reconstructData(shards, present, 0, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("need at least k=3 present shards to rebuild, got 2 of n=7");
  }

  @Test
  void reconstruct_wrongFlagCount_throws() {
    ReedSolomon rs = ReedSolomon.of(7, 3);
    assertThatThrownBy(() -> rs.reconstruct(new byte[7][8], new boolean[6], 0, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("present has 6 flags, the code has n=7 shards");
    assertThatThrownBy(() -> rs.reconstruct(new byte[7][8], null, 0, 8))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void reconstruct_missingArrayNotAllocated_throws() {
    ReedSolomon rs = ReedSolomon.of(7, 3);
    byte[][] shards = NaiveCode.randomStripe(7, 3, 0, 8, 0, new Random(SEED));
    shards[6] = null;
    boolean[] present = {true, true, true, true, true, true, false};
    assertThatThrownBy(() -> rs.reconstruct(shards, present, 0, 8))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("shards[6] is null");
  }

  @Test
  void reconstructData_missingParityMayBeNull() {
    ReedSolomon rs = ReedSolomon.of(7, 3);
    byte[][] original = NaiveCode.randomStripe(7, 3, 0, 40, 0, new Random(SEED));
    byte[][] shards = NaiveCode.deepCopy(original);
    shards[0] = new byte[40];
    shards[4] = null;
    shards[6] = null;
    boolean[] present = {false, true, true, true, false, true, false};
    rs.reconstructData(shards, present, 0, 40);
    assertThat(shards[0]).isEqualTo(original[0]);
    assertThat(shards[4]).isNull();
  }

  @Test
  void reconstruct_nothingMissing_writesNothing() {
    ReedSolomon rs = ReedSolomon.of(7, 3);
    // Parity deliberately wrong: with every shard present, nothing may be "repaired".
    byte[][] shards = new byte[7][24];
    new Random(SEED).nextBytes(shards[6]);
    byte[][] before = NaiveCode.deepCopy(shards);
    boolean[] present = new boolean[7];
    Arrays.fill(present, true);
    rs.reconstruct(shards, present, 0, 24);
    assertThat(shards).isDeepEqualTo(before);
  }

  @Test
  void encode_allData_hasNothingToWrite() {
    ReedSolomon rs = ReedSolomon.of(4, 4);
    byte[][] shards = NaiveCode.randomStripe(4, 4, 0, 20, 0, new Random(SEED));
    byte[][] before = NaiveCode.deepCopy(shards);
    rs.encode(shards, 0, 20);
    assertThat(shards).isDeepEqualTo(before);
    assertThat(rs).hasToString("ReedSolomon(n=4, k=4)");
  }
}
