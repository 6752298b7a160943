package io.cachet.cli.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How many passphrases the console tries for one identity: after {@link #MAX_WRONG} wrong ones
 * within {@link #WINDOW}, no try for that name is made for {@link #PAUSE}. Argon2id already makes
 * each guess cost; this bounds how many a page (or anything holding the session) can make.
 *
 * <p>A try is counted when it starts, not when it ends, so that tries sent at once cannot all pass
 * the check before the first wrong one is recorded: a name has at most {@link #MAX_WRONG} tries
 * either under way or wrong within the window. A right passphrase clears the name's count. Time is
 * the injected clock's. Thread-safe.
 */
final class UnlockTries {
  /** Wrong passphrases for one name within {@link #WINDOW} that stop further tries. */
  static final int MAX_WRONG = 5;
  /** How far back wrong passphrases are counted. */
  static final Duration WINDOW = Duration.ofMinutes(1);
  /** How long tries for a name are refused once it reaches {@link #MAX_WRONG}. */
  static final Duration PAUSE = Duration.ofMinutes(1);

  private static final class Count {
    final Deque<Instant> wrong = new ArrayDeque<>();
    int underWay;
    Instant pausedUntil = Instant.MIN;
  }

  private final Clock clock;
  // Guarded by this.
  private final Map<String, Count> counts = new HashMap<>();

  UnlockTries(Clock clock) {
    this.clock = clock;
  }

  /**
   * Starts a try for {@code name}: empty when it may go ahead (the caller then calls exactly one of
   * {@link #wrong} and {@link #right}, or {@link #abandoned}), else how long until one may.
   */
  synchronized Optional<Duration> begin(String name) {
    Instant now = clock.instant();
    Count c = counts.computeIfAbsent(name, n -> new Count());
    forgetOld(c, now);
    if (now.isBefore(c.pausedUntil)) {
      return Optional.of(Duration.between(now, c.pausedUntil));
    }
    if (c.wrong.size() + c.underWay >= MAX_WRONG) {
      // tries under way will decide; until they do, one more would pass the limit
      Instant freed = c.wrong.isEmpty() ? now.plus(WINDOW) : c.wrong.peekFirst().plus(WINDOW);
      return Optional.of(Duration.between(now, freed));
    }
    c.underWay++;
    return Optional.empty();
  }

  /** A try for {@code name} met a wrong passphrase. */
  synchronized void wrong(String name) {
    Instant now = clock.instant();
    Count c = counts.get(name);
    if (c == null) {
      return;
    }
    c.underWay = Math.max(0, c.underWay - 1);
    forgetOld(c, now);
    c.wrong.addLast(now);
    if (c.wrong.size() >= MAX_WRONG) {
      c.pausedUntil = now.plus(PAUSE);
      c.wrong.clear();
    }
  }

  /** A try for {@code name} opened the keystore: its wrong ones are forgotten. */
  synchronized void right(String name) {
    Count c = counts.get(name);
    if (c == null) {
      return;
    }
    c.underWay = Math.max(0, c.underWay - 1);
    c.wrong.clear();
    if (c.underWay == 0) {
      counts.remove(name);
    }
  }

  /** A try for {@code name} ended without telling right from wrong (the keystore could not be read). */
  synchronized void abandoned(String name) {
    Count c = counts.get(name);
    if (c != null) {
      c.underWay = Math.max(0, c.underWay - 1);
    }
  }

  private static void forgetOld(Count c, Instant now) {
    Instant from = now.minus(WINDOW);
    while (!c.wrong.isEmpty() && !c.wrong.peekFirst().isAfter(from)) {
      c.wrong.removeFirst();
    }
  }
}
