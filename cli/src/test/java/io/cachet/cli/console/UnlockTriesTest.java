package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class UnlockTriesTest {
  /** A clock the test moves by hand. */
  static final class HandClock extends Clock {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T10:00:00Z"));

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    void advance(Duration d) {
      now.updateAndGet(i -> i.plus(d));
    }
  }

  private static void wrongTimes(UnlockTries tries, String name, int n) {
    for (int i = 0; i < n; i++) {
      assertThat(tries.begin(name)).as("try %d", i).isEmpty();
      tries.wrong(name);
    }
  }

  @Test
  void begin_afterFiveWrong_isRefusedForAMinute_thenAllowed() {
    HandClock clock = new HandClock();
    UnlockTries tries = new UnlockTries(clock);
    wrongTimes(tries, "bob", UnlockTries.MAX_WRONG);
    assertThat(tries.begin("bob")).contains(UnlockTries.PAUSE);
    clock.advance(UnlockTries.PAUSE.minusSeconds(1));
    assertThat(tries.begin("bob")).contains(Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(1));
    assertThat(tries.begin("bob")).isEmpty();
  }

  @Test
  void begin_forAnotherName_isNotHeldBack() {
    UnlockTries tries = new UnlockTries(new HandClock());
    wrongTimes(tries, "bob", UnlockTries.MAX_WRONG);
    assertThat(tries.begin("carol")).isEmpty();
  }

  @Test
  void wrongOnesSpreadOverMoreThanAMinute_doNotPause() {
    HandClock clock = new HandClock();
    UnlockTries tries = new UnlockTries(clock);
    for (int i = 0; i < 3 * UnlockTries.MAX_WRONG; i++) {
      wrongTimes(tries, "bob", 1);
      clock.advance(UnlockTries.WINDOW.dividedBy(UnlockTries.MAX_WRONG - 1));
    }
    assertThat(tries.begin("bob")).isEmpty();
  }

  @Test
  void triesUnderWay_countAgainstTheLimit_soAtOnceCannotPassIt() {
    UnlockTries tries = new UnlockTries(new HandClock());
    for (int i = 0; i < UnlockTries.MAX_WRONG; i++) {
      assertThat(tries.begin("bob")).isEmpty();
    }
    assertThat(tries.begin("bob")).isPresent();
    tries.abandoned("bob");
    assertThat(tries.begin("bob")).isEmpty();
  }

  @Test
  void right_forgetsTheWrongOnes() {
    UnlockTries tries = new UnlockTries(new HandClock());
    wrongTimes(tries, "bob", UnlockTries.MAX_WRONG - 1);
    assertThat(tries.begin("bob")).isEmpty();
    tries.right("bob");
    wrongTimes(tries, "bob", UnlockTries.MAX_WRONG - 1);
    assertThat(tries.begin("bob")).isEmpty();
  }
}
