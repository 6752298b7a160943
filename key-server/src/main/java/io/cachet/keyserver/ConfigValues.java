package io.cachet.keyserver;

import io.cachet.keyserver.KeyServerConfig.ConfigException;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value syntaxes of the key server's config (integers, decimals, durations, sizes, paths),
 * parsed from the key's text and rendered back so that a rendered config parses to an equal one.
 * Every error is a {@link ConfigException} naming the key; an absent key gives the default.
 */
final class ConfigValues {
  private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,10}");
  private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,10}(\\.[0-9]{1,6})?");
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("([0-9]{1,10})(KiB|MiB)?");

  private ConfigValues() {}

  static Path path(String text, String key) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new ConfigException(key + " is not a usable path: " + e.getMessage(), e);
    }
  }

  static int integer(Map<String, String> v, String key, int dflt) {
    String s = v.get(key);
    if (s == null) {
      return dflt;
    }
    if (!INTEGER.matcher(s).matches()) {
      throw new ConfigException(key + " must be an integer, was '" + s + "'");
    }
    long n = Long.parseLong(s);
    if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
      throw new ConfigException(key + " is out of range: " + s);
    }
    return (int) n;
  }

  static double decimal(Map<String, String> v, String key, double dflt) {
    String s = v.get(key);
    if (s == null) {
      return dflt;
    }
    if (!DECIMAL.matcher(s).matches()) {
      throw new ConfigException(key + " must be a non-negative decimal number, was '" + s + "'");
    }
    return Double.parseDouble(s);
  }

  static Duration duration(Map<String, String> v, String key, Duration dflt) {
    String s = v.get(key);
    if (s == null) {
      return dflt;
    }
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      throw new ConfigException(key + " must be a duration such as 500ms, 30s, 2m or 1h, was '" + s + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  static int size(Map<String, String> v, String key, int dflt) {
    String s = v.get(key);
    if (s == null) {
      return dflt;
    }
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) {
      throw new ConfigException(key + " must be a size such as 262144, 256KiB or 1MiB, was '" + s + "'");
    }
    long n = Long.parseLong(m.group(1));
    long unit = m.group(2) == null ? 1 : "KiB".equals(m.group(2)) ? 1024 : 1024 * 1024;
    if (n * unit > Integer.MAX_VALUE) {
      throw new ConfigException(key + " is out of range: " + s);
    }
    return (int) (n * unit);
  }

  static String renderDuration(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  static String renderRate(double r) {
    return new BigDecimal(Double.toString(r)).stripTrailingZeros().toPlainString();
  }
}
