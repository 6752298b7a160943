package io.cachet.keyserver;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock plus an offset a test moves forward: time still passes, and jumps on demand. */
final class MutableClock extends Clock {
  private final AtomicLong offsetMillis = new AtomicLong();

  void advance(Duration d) {
    offsetMillis.addAndGet(d.toMillis());
  }

  @Override
  public Instant instant() {
    return Instant.now().plusMillis(offsetMillis.get());
  }

  @Override
  public long millis() {
    return System.currentTimeMillis() + offsetMillis.get();
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
