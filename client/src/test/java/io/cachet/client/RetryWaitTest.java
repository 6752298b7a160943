package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The pause before asking a key server again ({@link KeyFetcher#retryWait}) and the {@code Retry-After} it reads. */
class RetryWaitTest {
  static final Instant NOW = Instant.parse("2026-12-07T07:00:00Z");

  /** A generator that always draws {@code value} in [0, 1). */
  static RandomGenerator always(double value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  @Test
  void retryWait_isWhatTheServerAsked_plusUpToHalfAgain() {
    assertThat(KeyFetcher.retryWait(Duration.ofSeconds(1), always(0))).isEqualTo(Duration.ofSeconds(1));
    assertThat(KeyFetcher.retryWait(Duration.ofSeconds(1), always(0.999)))
        .isGreaterThan(Duration.ofMillis(1400)).isLessThan(Duration.ofMillis(1500));
  }

  @Test
  void retryWait_ofALongAsk_isCappedAtTheLongestPause() {
    assertThat(KeyFetcher.retryWait(Duration.ofSeconds(60), always(0))).isEqualTo(KeyFetcher.MAX_SERVER_RETRY_DELAY);
    assertThat(KeyFetcher.retryWait(Duration.ofSeconds(Long.MAX_VALUE / 2), always(0.999)))
        .isLessThan(KeyFetcher.MAX_SERVER_RETRY_DELAY.multipliedBy(3).dividedBy(2));
  }

  @Test
  void retryWait_withoutAnAsk_orAShorterOne_isTheBasePausePlusJitter() {
    assertThat(KeyFetcher.retryWait(null, always(0))).isEqualTo(KeyFetcher.SERVER_RETRY_DELAY);
    assertThat(KeyFetcher.retryWait(Duration.ZERO, always(0))).isEqualTo(KeyFetcher.SERVER_RETRY_DELAY);
    assertThat(KeyFetcher.retryWait(null, always(0.5))).isEqualTo(Duration.ofMillis(625));
  }

  @Test
  void retryWait_ofClientsDroppedTogether_spreadsThemOut() {
    RandomGenerator random = new SplittableRandom(15);
    Set<Duration> waits = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      Duration w = KeyFetcher.retryWait(Duration.ofSeconds(1), random);
      assertThat(w).isGreaterThanOrEqualTo(Duration.ofSeconds(1)).isLessThan(Duration.ofMillis(1500));
      waits.add(w);
    }
    assertThat(waits).hasSizeGreaterThan(90);
  }

  @Test
  void parseRetryAfter_readsDeltaSeconds() {
    assertThat(KeyFetcher.parseRetryAfter("1", NOW)).contains(Duration.ofSeconds(1));
    assertThat(KeyFetcher.parseRetryAfter(" 60 ", NOW)).contains(Duration.ofSeconds(60));
    assertThat(KeyFetcher.parseRetryAfter("0", NOW)).contains(Duration.ZERO);
    assertThat(KeyFetcher.parseRetryAfter("99999999999999999999999", NOW))
        .contains(KeyFetcher.MAX_SERVER_RETRY_DELAY);
  }

  @Test
  void parseRetryAfter_readsAnHttpDate_fromNow() {
    String inThree = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(3).atOffset(ZoneOffset.UTC));
    assertThat(KeyFetcher.parseRetryAfter(inThree, NOW)).contains(Duration.ofSeconds(3));
    String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.minusSeconds(3).atOffset(ZoneOffset.UTC));
    assertThat(KeyFetcher.parseRetryAfter(past, NOW)).contains(Duration.ZERO);
  }

  @Test
  void parseRetryAfter_ofNothingOrGarbage_isEmpty_andTheBasePauseApplies() {
    assertThat(KeyFetcher.parseRetryAfter(null, NOW)).isEmpty();
    assertThat(KeyFetcher.parseRetryAfter("", NOW)).isEmpty();
    assertThat(KeyFetcher.parseRetryAfter("-1", NOW)).isEmpty();
    assertThat(KeyFetcher.parseRetryAfter("1.5", NOW)).isEmpty();
    assertThat(KeyFetcher.parseRetryAfter("soon", NOW)).isEmpty();
  }
}
