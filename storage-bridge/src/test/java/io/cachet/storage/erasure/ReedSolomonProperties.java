package io.cachet.storage.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random codes up to 255 shards: any k shards rebuild the stripe exactly, reconstructData touches
 * only the missing data shards, and fewer than k shards are refused without writing anything.
 * Tries are kept low because a large code's recovery matrix costs milliseconds to build.
 */
class ReedSolomonProperties {

  /** One case: a code, a byte range, how many shards to lose, and a seed for data and losses. */
  record Case(int n, int k, int offset, int length, int lost, long seed) {
    @Override
    public String toString() {
      return "n=" + n + " k=" + k + " offset=" + offset + " length=" + length + " lost=" + lost + " seed=" + seed;
    }
  }

  /** Uniform shapes; jqwik's edge cases would spend the few tries on n = 1 and n = 255 codes. */
  @Provide
  Arbitrary<Case> cases() {
    return Arbitraries.integers().between(1, 255).flatMap(n ->
        Arbitraries.integers().between(1, n).flatMap(k ->
            Combinators.combine(
                Arbitraries.integers().between(0, 16),
                Arbitraries.integers().between(0, 700),
                // Often the most a code can lose (exactly k left), the case that decodes the most.
                Arbitraries.oneOf(Arbitraries.integers().between(0, n - k), Arbitraries.just(n - k)),
                Arbitraries.longs())
                .as((offset, length, lost, seed) -> new Case(n, k, offset, length, lost, seed))));
  }

  @Property(tries = 60, edgeCases = EdgeCasesMode.NONE)
  void anyKShards_rebuildEverything(@ForAll("cases") Case c) {
    Random random = new Random(c.seed());
    byte[][] original = stripe(c, random);
    boolean[] present = lose(c.n(), c.lost(), random);
    byte[][] shards = damage(original, present, c, random);

    ReedSolomon.of(c.n(), c.k()).reconstruct(shards, present, c.offset(), c.length());

    assertThat(shards).isDeepEqualTo(original);
  }

  @Property(tries = 60, edgeCases = EdgeCasesMode.NONE)
  void reconstructData_rebuildsDataOnly(@ForAll("cases") Case c) {
    Random random = new Random(c.seed());
    byte[][] original = stripe(c, random);
    boolean[] present = lose(c.n(), c.lost(), random);
    byte[][] shards = damage(original, present, c, random);
    byte[][] expected = NaiveCode.deepCopy(shards);
    System.arraycopy(original, 0, expected, 0, c.k());

    ReedSolomon.of(c.n(), c.k()).reconstructData(shards, present, c.offset(), c.length());

    // Data shards back to the original; present shards and missing parity exactly as passed in.
    assertThat(shards).isDeepEqualTo(expected);
  }

  @Property(tries = 40, edgeCases = EdgeCasesMode.NONE)
  void fewerThanK_throwsAndWritesNothing(@ForAll("cases") Case c, @ForAll boolean dataOnly) {
    Random random = new Random(c.seed());
    int presentCount = random.nextInt(c.k());
    boolean[] present = lose(c.n(), c.n() - presentCount, random);
    byte[][] shards = new byte[c.n()][c.offset() + c.length()];
    for (byte[] shard : shards) {
      random.nextBytes(shard);
    }
    byte[][] before = NaiveCode.deepCopy(shards);
    ReedSolomon rs = ReedSolomon.of(c.n(), c.k());

    assertThatThrownBy(() -> {
      if (dataOnly) {
        rs.reconstructData(shards, present, c.offset(), c.length());
      } else {
        rs.reconstruct(shards, present, c.offset(), c.length());
      }
    })
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("need at least k=" + c.k() + " present shards to rebuild, got " + presentCount + " of n=" + c.n());
    assertThat(shards).isDeepEqualTo(before);
  }

  // ---------------------------------------------------------------- helpers

  /** Random data in range and around it, parity from the codec (checked against NaiveCode elsewhere). */
  private static byte[][] stripe(Case c, Random random) {
    byte[][] shards = new byte[c.n()][c.offset() + c.length() + 5];
    for (byte[] shard : shards) {
      random.nextBytes(shard);
    }
    ReedSolomon.of(c.n(), c.k()).encode(shards, c.offset(), c.length());
    return shards;
  }

  /** Flags with exactly {@code lost} of {@code n} false, chosen at random. */
  private static boolean[] lose(int n, int lost, Random random) {
    boolean[] present = new boolean[n];
    Arrays.fill(present, true);
    for (int gone = 0; gone < lost; ) {
      int i = random.nextInt(n);
      if (present[i]) {
        present[i] = false;
        gone++;
      }
    }
    return present;
  }

  /** A copy with the range of every missing shard overwritten with noise. */
  private static byte[][] damage(byte[][] original, boolean[] present, Case c, Random random) {
    byte[][] shards = NaiveCode.deepCopy(original);
    for (int i = 0; i < shards.length; i++) {
      if (!present[i]) {
        for (int t = c.offset(); t < c.offset() + c.length(); t++) {
          shards[i][t] = (byte) random.nextInt();
        }
      }
    }
    return shards;
  }
}
