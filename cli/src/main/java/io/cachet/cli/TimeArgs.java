package io.cachet.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Times and durations as a person types them: {@code 2026-12-01T09:00:00Z} (ISO-8601, UTC or with
 * an offset), or a duration from now such as {@code 90s}, {@code 10m}, {@code 2h}, {@code 30d}.
 */
public final class TimeArgs {
  private static final Pattern DURATION = Pattern.compile("\\+?(\\d{1,9})(ms|s|m|h|d)");

  private TimeArgs() {}

  public static Duration duration(String text) {
    Matcher m = DURATION.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new UsageException("'" + text + "' is not a duration; use a number and a unit: 500ms, 90s, 10m, 2h, 30d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** An instant: ISO-8601, {@code now}, or a duration from {@code now}. */
  public static Instant instant(String text, Instant now) {
    String t = text == null ? "" : text.trim();
    if (t.equals("now")) {
      return now;
    }
    if (DURATION.matcher(t).matches()) {
      return now.plus(duration(t));
    }
    try {
      return java.time.OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      throw new UsageException("'" + text + "' is not a time; use ISO-8601 such as 2026-12-01T09:00:00Z,"
          + " 'now', or a duration from now such as 10m or 30d");
    }
  }
}
