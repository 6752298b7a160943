package io.cachet.client.behaviour;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The one clock of a test network: set by a story, so time moves exactly and without sleeping; or,
 * for programs that wait in real time (the examples), following the wall clock.
 */
final class StoryClock extends Clock {
  private final boolean live;
  private volatile long millis;

  private StoryClock(boolean live, long millis) {
    this.live = live;
    this.millis = millis;
  }

  /** A clock stories set, starting at {@code epochMillis}. */
  static StoryClock settable(long epochMillis) {
    return new StoryClock(false, epochMillis);
  }

  /** The wall clock, which nobody sets. */
  static StoryClock live() {
    return new StoryClock(true, 0);
  }

  boolean isLive() {
    return live;
  }

  void set(long epochMillis) {
    if (live) {
      throw new IllegalStateException("a live clock follows the wall clock; nothing sets it");
    }
    this.millis = epochMillis;
  }

  void advance(long deltaMillis) {
    set(millis + deltaMillis);
  }

  @Override
  public long millis() {
    return live ? System.currentTimeMillis() : millis;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
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
