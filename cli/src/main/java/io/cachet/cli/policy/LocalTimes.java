package io.cachet.cli.policy;

import io.cachet.cli.Plain;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/**
 * Times in a policy's listing, judged against one fixed "now" (the ledger's time where known), so
 * every line of a table says "in 3 h" from the same moment. The words are {@link Plain}'s.
 */
final class LocalTimes {
  private final ZoneId zone;
  private final long now;

  LocalTimes(ZoneId zone, long nowMillis) {
    this.zone = zone;
    this.now = nowMillis;
  }

  /** The zone of this run: {@code TZ} of the run's environment, else the system's. */
  static ZoneId zone() {
    return Plain.zone();
  }

  ZoneId zoneId() {
    return zone;
  }

  /** The instant alone: "2026-12-07 14:00 UTC". */
  String at(long millis) {
    return Plain.time(Instant.ofEpochMilli(millis), zone);
  }

  /** The instant and how far from now: "2026-12-07 14:00 UTC, in 3 h" or "…, 2 days ago". */
  String atRelative(long millis) {
    return at(millis) + ", " + relative(millis);
  }

  /** "in 3 h", "5 min ago", "now". */
  String relative(long millis) {
    return Plain.relative(Duration.ofMillis(millis - now));
  }
}
