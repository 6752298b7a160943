package io.cachet.policy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The system clock plus an offset a test moves: time still passes, and jumps on demand. A frozen
 * one ({@link #frozenAt}) moves only when the test moves it, for tests of exact boundaries.
 */
final class OffsetClock extends Clock {
  private final AtomicLong offsetMillis = new AtomicLong();
  /** The fixed base of a frozen clock, or -1 to follow the system clock. */
  private final long frozenBase;

  OffsetClock() {
    this.frozenBase = -1;
  }

  private OffsetClock(long frozenBase) {
    this.frozenBase = frozenBase;
  }

  /** A clock that reads {@code epochMillis} until the test advances it. */
  static OffsetClock frozenAt(long epochMillis) {
    return new OffsetClock(epochMillis);
  }

  void advance(Duration d) {
    offsetMillis.addAndGet(d.toMillis());
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public long millis() {
    return (frozenBase < 0 ? System.currentTimeMillis() : frozenBase) + offsetMillis.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
