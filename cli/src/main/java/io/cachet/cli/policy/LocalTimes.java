package io.cachet.cli.policy;

import io.cachet.cli.Invocation;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Times as a person reads them: in their zone ({@code TZ} from the run's environment, else the
 * system's), to the minute, with how far off they are ("2026-12-07 14:00 CET, in 3 h").
 */
final class LocalTimes {
  private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT);

  private final ZoneId zone;
  private final long now;

  LocalTimes(ZoneId zone, long nowMillis) {
    this.zone = zone;
    this.now = nowMillis;
  }

  /** The zone of this run: {@code TZ} (a region id such as Europe/Paris, or UTC), else the system's. */
  static ZoneId zone() {
    String tz = Invocation.current().env("TZ");
    if (tz != null && !tz.isBlank()) {
      try {
        return ZoneId.of(tz.startsWith(":") ? tz.substring(1) : tz);
      } catch (DateTimeException e) {
        // a TZ Java cannot read (a POSIX rule string) falls back to the system's zone
      }
    }
    return ZoneId.systemDefault();
  }

  ZoneId zoneId() {
    return zone;
  }

  /** The instant alone: "2026-12-07 14:00 UTC". */
  String at(long millis) {
    return FORMAT.format(Instant.ofEpochMilli(millis).atZone(zone));
  }

  /** The instant and how far from now: "2026-12-07 14:00 UTC, in 3 h" or "…, 2 d ago". */
  String atRelative(long millis) {
    return at(millis) + ", " + relative(millis);
  }

  /** "in 3 h", "5 min ago", "now". */
  String relative(long millis) {
    long d = millis - now;
    String span = span(Duration.ofMillis(Math.abs(d)));
    if (span == null) {
      return "now";
    }
    return d > 0 ? "in " + span : span + " ago";
  }

  /** The largest whole unit of {@code d}: "3 d", "5 h", "12 min", "40 s"; null under a second. */
  private static String span(Duration d) {
    if (d.toDays() >= 1) {
      return d.toDays() + " d";
    }
    if (d.toHours() >= 1) {
      return d.toHours() + " h";
    }
    if (d.toMinutes() >= 1) {
      return d.toMinutes() + " min";
    }
    return d.getSeconds() >= 1 ? d.getSeconds() + " s" : null;
  }
}
