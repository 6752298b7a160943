package io.cachet.cli;

import io.cachet.storage.network.EpochSchedule;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Sizes, times and storage lifetimes in the words a person reads: "1.5 MiB", "26 bytes",
 * "2026-12-07 14:00 UTC, in 3 h", "stored until 2026-12-07 14:00 UTC, in 3 h (epoch 5; epochs are
 * 1 h on this network)". Every command that prints a blob uses these, so the words are the same
 * everywhere. Local time is in the zone {@code TZ} names in the run's environment, else the
 * system's. JSON never goes through here: it keeps ISO-8601 instants and raw numbers.
 */
public final class Plain {
  /** Binary units, each 1024 of the one before. */
  private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm zzz", Locale.ROOT);

  private Plain() {}

  /** "0 bytes", "1 byte", "26 bytes", "1.5 KiB", "1.0 MiB": bytes below 1 KiB, else one decimal of the largest unit that fits. */
  public static String size(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("a size is not negative: " + bytes);
    }
    if (bytes < 1024) {
      return bytes == 1 ? "1 byte" : bytes + " bytes";
    }
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    // 1023.96 KiB would print as "1024.0 KiB": move up a unit rather than show that
    if (String.format(Locale.ROOT, "%.1f", value).equals("1024.0") && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
  }

  /** The zone local times are shown in: {@code TZ} of the run (e.g. {@code Europe/Paris}, {@code UTC}), else the system's. */
  public static ZoneId zone() {
    String tz = Invocation.current().env("TZ");
    if (tz != null && !tz.isBlank()) {
      String name = tz.startsWith(":") ? tz.substring(1) : tz;
      try {
        return ZoneId.of(name);
      } catch (DateTimeException e) {
        // a TZ Java does not know (a POSIX rule string): the system's zone is the best guess
      }
    }
    return ZoneId.systemDefault();
  }

  /** "2026-12-07 14:00 UTC": local time to the minute, with the zone. */
  public static String time(Instant at) {
    return time(at, zone());
  }

  /** "2026-12-07 14:00 CET": local time to the minute in {@code zone}. */
  public static String time(Instant at, ZoneId zone) {
    return MINUTES.format(at.atZone(zone));
  }

  /** "2026-12-07 14:00 UTC, in 3 h" or "…, 5 min ago": local time and how far it is from {@code now}. */
  public static String time(Instant at, Instant now) {
    return time(at) + ", " + relative(Duration.between(now, at));
  }

  /** "in 3 h", "in 2 days", "5 min ago", "now" for a duration from now (negative: past). */
  public static String relative(Duration fromNow) {
    if (fromNow.abs().compareTo(Duration.ofSeconds(1)) < 0) {
      return "now";
    }
    return fromNow.isNegative() ? duration(fromNow.negated()) + " ago" : "in " + duration(fromNow);
  }

  /** "45 s", "25 min", "3 h", "1 h 30 min", "2 days": the largest unit or two that say it plainly. */
  public static String duration(Duration d) {
    long s = d.abs().getSeconds();
    if (s < 60) {
      return s + " s";
    }
    long min = s / 60;
    if (min < 60) {
      return min + " min";
    }
    long h = min / 60;
    long restMin = min % 60;
    if (h < 48) {
      return h + " h" + (h < 10 && restMin > 0 ? " " + restMin + " min" : "");
    }
    long days = h / 24;
    return days + " days";
  }

  /**
   * A storage lifetime ending at the exclusive {@code endEpoch}: with the network's schedule
   * known, "stored until 2026-12-07 14:00 UTC, in 3 h (epoch 5; epochs are 1 h on this network)",
   * or "expired 2026-…, 2 h ago (epoch 5; …)"; without it, "stored until epoch 5".
   */
  public static String lifetime(long endEpoch, EpochSchedule schedule, Instant now) {
    if (schedule == null) {
      return "stored until epoch " + endEpoch;
    }
    Instant end = endOf(endEpoch, schedule);
    String epochs = "(epoch " + endEpoch + "; epochs are " + duration(Duration.ofMillis(schedule.epochMillis()))
        + " on this network)";
    if (!end.isAfter(now)) {
      return "expired " + time(end, now) + " " + epochs;
    }
    return "stored until " + time(end, now) + " " + epochs;
  }

  /** The short form of {@link #lifetime} for a table cell: "until 2026-12-07 14:00 UTC, in 3 h", "expired …", "until epoch 5". */
  public static String expiry(long endEpoch, EpochSchedule schedule, Instant now) {
    if (schedule == null) {
      return "until epoch " + endEpoch;
    }
    Instant end = endOf(endEpoch, schedule);
    return (end.isAfter(now) ? "until " : "expired ") + time(end, now);
  }

  /** When a lifetime ending at the exclusive {@code endEpoch} ends: the start of that epoch. */
  public static Instant endOf(long endEpoch, EpochSchedule schedule) {
    return Instant.ofEpochMilli(schedule.epochStartMillis(endEpoch));
  }
}
