package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The threshold holds exactly: for every t-of-n up to 5-of-7, any t shares rebuild the key and
 * no t-1 shares do; through whole envelopes for n up to 5.
 */
class ShamirThresholdTest {
  private static final int MAX_N = 7;
  private static final int MAX_T = 5;
  private static final int MAX_ENVELOPE_N = 5;

  static Stream<Arguments> shamirSettings() {
    List<Arguments> out = new ArrayList<>();
    for (int n = 1; n <= MAX_N; n++) {
      for (int t = 1; t <= Math.min(n, MAX_T); t++) {
        out.add(Arguments.of(t, n));
      }
    }
    return out.stream();
  }

  static Stream<Arguments> envelopeSettings() {
    List<Arguments> out = new ArrayList<>();
    for (int n = 1; n <= MAX_ENVELOPE_N; n++) {
      for (int t = 1; t <= n; t++) {
        out.add(Arguments.of(t, n));
      }
    }
    return out.stream();
  }

  /** Every subset of {1..n} with exactly {@code size} members, as lists of indices. */
  static List<List<Integer>> subsets(int n, int size) {
    List<List<Integer>> out = new ArrayList<>();
    for (int mask = 0; mask < (1 << n); mask++) {
      if (Integer.bitCount(mask) == size) {
        List<Integer> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          if ((mask & (1 << i)) != 0) {
            s.add(i + 1);
          }
        }
        out.add(s);
      }
    }
    return out;
  }

  private static List<Share> pick(List<Share> shares, List<Integer> indices) {
    List<Share> out = new ArrayList<>();
    for (int i : indices) {
      out.add(shares.get(i - 1));
    }
    Collections.shuffle(out, TestKeys.RANDOM);
    return out;
  }

  // ---------------------------------------------------------------- Shamir alone

  @ParameterizedTest(name = "{0}-of-{1}")
  @MethodSource("shamirSettings")
  void combine_everySubsetOfThresholdSize_recoversTheKey(int t, int n) throws Exception {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    List<Share> shares = Shamir.split(key, t, n, TestKeys.RANDOM);
    assertThat(shares).extracting(Share::index)
        .containsExactlyElementsOf(IntStream.rangeClosed(1, n).boxed().toList());
    List<List<Integer>> subsets = subsets(n, t);
    assertThat(subsets).isNotEmpty();
    for (List<Integer> subset : subsets) {
      DataKey rebuilt = Shamir.combine(pick(shares, subset), t, n);
      assertThat(rebuilt.sameKeyAs(key)).as("shares %s of a %d-of-%d split", subset, t, n).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}-of-{1}")
  @MethodSource("shamirSettings")
  void combine_everySubsetOneBelowThreshold_throwsInsufficientSharesException(int t, int n) {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    List<Share> shares = Shamir.split(key, t, n, TestKeys.RANDOM);
    for (List<Integer> subset : subsets(n, t - 1)) {
      assertThatThrownBy(() -> Shamir.combine(pick(shares, subset), t, n))
          .as("shares %s of a %d-of-%d split", subset, t, n)
          .isInstanceOf(InsufficientSharesException.class);
    }
  }

  @ParameterizedTest(name = "{0}-of-{1}")
  @MethodSource("shamirSettings")
  void combine_everySubsetAboveThreshold_recoversTheKey(int t, int n) throws Exception {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    List<Share> shares = Shamir.split(key, t, n, TestKeys.RANDOM);
    for (int size = t + 1; size <= n; size++) {
      for (List<Integer> subset : subsets(n, size)) {
        assertThat(Shamir.combine(pick(shares, subset), t, n).sameKeyAs(key))
            .as("shares %s of a %d-of-%d split", subset, t, n).isTrue();
      }
    }
  }

  @Test
  void combine_sameShareTwice_countsOnce() {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    List<Share> shares = Shamir.split(key, 2, 3, TestKeys.RANDOM);
    Share copy = new Share(1, shares.get(0).value());
    assertThatThrownBy(() -> Shamir.combine(List.of(shares.get(0), copy), 2, 3))
        .isInstanceOf(InsufficientSharesException.class);
  }

  @Test
  void split_twice_givesDifferentShares() {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    List<Share> a = Shamir.split(key, 3, 5, TestKeys.RANDOM);
    List<Share> b = Shamir.split(key, 3, 5, TestKeys.RANDOM);
    for (int i = 0; i < 5; i++) {
      assertThat(a.get(i).sameAs(b.get(i))).as("share %d", i + 1).isFalse();
    }
  }

  @ParameterizedTest(name = "t={0}, n={1}")
  @CsvSource({"0,3", "-1,3", "4,3", "1,0", "0,0", "1,33", "33,33", "1,-1", "2,1"})
  void checkThreshold_outsideOneToN_throwsIllegalArgumentException(int t, int n) {
    assertThatThrownBy(() -> Shamir.checkThreshold(t, n)).isInstanceOf(IllegalArgumentException.class);
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    assertThatThrownBy(() -> Shamir.split(key, t, n, TestKeys.RANDOM))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "t={0}, n={1}")
  @CsvSource({"1,1", "1,32", "32,32", "5,7", "16,32"})
  void checkThreshold_withinOneToN_accepts(int t, int n) {
    assertThatCode(() -> Shamir.checkThreshold(t, n)).doesNotThrowAnyException();
  }

  // ---------------------------------------------------------------- through the envelope

  @ParameterizedTest(name = "{0}-of-{1}")
  @MethodSource("envelopeSettings")
  void open_everySubsetOfThresholdSize_givesBackThePlaintext(int t, int n) throws Exception {
    TestKeys keys = new TestKeys(n);
    byte[] plain = new byte[300];
    TestKeys.RANDOM.nextBytes(plain);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Envelope.seal(keys.params(PolicyId.random(TestKeys.RANDOM), t), new ByteArrayInputStream(plain),
        plain.length, out, TestKeys.RANDOM);
    byte[] envelope = out.toByteArray();

    InputStream in0 = new ByteArrayInputStream(envelope);
    EnvelopeHeader header = EnvelopeHeader.read(in0);
    assertThat(header.threshold()).isEqualTo(t);
    assertThat(header.shareCount()).isEqualTo(n);
    List<Share> unsealed = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      unsealed.add(keys.unseal(header, i));
    }

    for (List<Integer> subset : subsets(n, t)) {
      InputStream in = new ByteArrayInputStream(envelope);
      EnvelopeHeader h = EnvelopeHeader.read(in);
      DataKey key = Envelope.recoverKey(h, pick(unsealed, subset));
      try (InputStream p = Envelope.openStream(h, key, in)) {
        assertThat(p.readAllBytes()).as("key servers %s of %d-of-%d", subset, t, n).isEqualTo(plain);
      }
    }
    for (List<Integer> subset : subsets(n, t - 1)) {
      assertThatThrownBy(() -> Envelope.recoverKey(header, pick(unsealed, subset)))
          .as("key servers %s of %d-of-%d", subset, t, n)
          .isInstanceOf(InsufficientSharesException.class);
    }
  }
}
