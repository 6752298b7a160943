package io.cachet.policy.evm;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a test sets, so time moves without sleeping. */
public final class SettableClock extends Clock {
  private volatile long millis;

  public SettableClock(long millis) {
    this.millis = millis;
  }

  public void set(long epochMillis) {
    this.millis = epochMillis;
  }

  public void advance(long deltaMillis) {
    this.millis += deltaMillis;
  }

  @Override
  public long millis() {
    return millis;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis);
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
