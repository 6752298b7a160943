package io.cachet.common.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/**
 * Values and whole configurations written back in the format {@link Settings} reads, so that a
 * rendered configuration loads to the same settings. What {@code --print-config} prints.
 */
public final class ConfigText {
  private ConfigText() {}

  /** The largest whole unit: {@code 2h}, {@code 90s}, {@code 1500ms}, {@code -30s}. */
  public static String duration(Duration d) {
    long ms = d.toMillis();
    String sign = ms < 0 ? "-" : "";
    ms = Math.abs(ms);
    if (ms != 0 && ms % 3_600_000 == 0) {
      return sign + ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return sign + ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return sign + ms / 1000 + "s";
    }
    return sign + ms + "ms";
  }

  /** The largest whole binary unit: {@code 64GiB}, {@code 256KiB}, {@code 1000}. */
  public static String size(long bytes) {
    if (bytes != 0 && bytes % (1L << 30) == 0) {
      return bytes / (1L << 30) + "GiB";
    }
    if (bytes != 0 && bytes % (1L << 20) == 0) {
      return bytes / (1L << 20) + "MiB";
    }
    if (bytes != 0 && bytes % (1L << 10) == 0) {
      return bytes / (1L << 10) + "KiB";
    }
    return Long.toString(bytes);
  }

  public static String decimal(double d) {
    return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
  }

  /**
   * A whole configuration, one {@code key = value} line per entry in the map's order, after a
   * comment line naming what it configures.
   */
  public static String render(String title, Map<String, String> values) {
    StringBuilder out = new StringBuilder("# ").append(title).append('\n');
    values.forEach((k, v) -> out.append(k).append(" = ").append(v).append('\n'));
    return out.toString();
  }
}
