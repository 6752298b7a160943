package io.cachet.common.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A part's configuration: the one format every Cachet part reads, in three layers.
 *
 * <ol>
 *   <li>a file of {@code key = value} lines (UTF-8; {@code #} starts a comment line; blank lines
 *       are skipped; the value is the rest of the line, stripped);
 *   <li>environment variables {@code CACHET_<PART>_<KEY>}, the key upper-cased with {@code -} as
 *       {@code _} (a variable with the part's prefix that names no key is refused: it is a typo);
 *   <li>{@code --set key=value} flags.
 * </ol>
 *
 * A later layer wins over an earlier one, and the typed getters give a default for a key no layer
 * sets. Unknown and repeated keys are refused within a layer. Every error is a
 * {@link ConfigException} naming the key and the origin of its value, so an operator knows which
 * line, variable or flag to change.
 */
public final class Settings {
  private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,18}");
  private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,10}(\\.[0-9]{1,6})?");
  /** Up to 19 digits: every {@code long} of milliseconds {@link ConfigText#duration} can write; overflow is refused. */
  private static final Pattern DURATION = Pattern.compile("(-?)([0-9]{1,19})(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("([0-9]{1,13})(KiB|MiB|GiB)?");

  /**
   * A key's value and where it came from.
   *
   * @param base the directory relative paths in this value are read from: the configuration
   *     file's, or null for a value from the environment or a flag (the working directory's)
   */
  public record Setting(String value, String origin, Path base) {
    public Setting(String value, String origin) {
      this(value, origin, null);
    }
  }

  private final String part;
  private final Set<String> keys;
  private final Map<String, Setting> values;

  private Settings(String part, Set<String> keys, Map<String, Setting> values) {
    this.part = part;
    this.keys = keys;
    this.values = values;
  }

  /**
   * Reads the three layers. {@code part} names the part in environment variables
   * ({@code keyserver} reads {@code CACHET_KEYSERVER_*}); {@code keys} are every key it knows;
   * {@code file} may be null (no file).
   *
   * @throws ConfigException on an unknown or repeated key, a malformed line or flag, or an
   *     unknown variable with the part's prefix
   * @throws IOException if the file cannot be read
   */
  public static Settings load(String part, Collection<String> keys, Path file, Map<String, String> env,
      List<String> sets) throws IOException {
    Objects.requireNonNull(part, "part");
    Set<String> known = Collections.unmodifiableSet(new TreeSet<>(keys));
    Map<String, Setting> values = new LinkedHashMap<>();
    if (file != null) {
      Path base = file.toAbsolutePath().normalize().getParent();
      values.putAll(parseFile(Files.readString(file, StandardCharsets.UTF_8), file.toString(), base, known));
    }
    values.putAll(fromEnvironment(part, env, known));
    values.putAll(fromFlags(sets, known));
    return new Settings(part, known, values);
  }

  /** Settings from a file's text alone ({@code source} names it in errors): for tests and tools. */
  public static Settings parse(String part, Collection<String> keys, String text, String source) {
    Set<String> known = Collections.unmodifiableSet(new TreeSet<>(keys));
    return new Settings(part, known, new LinkedHashMap<>(parseFile(text, source, null, known)));
  }

  /** The environment variable that sets {@code key} for {@code part}: {@code CACHET_NODE_DATA_DIR}. */
  public static String variable(String part, String key) {
    return prefix(part) + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static String prefix(String part) {
    return "CACHET_" + part.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
  }

  private static Map<String, Setting> parseFile(String text, String source, Path base, Set<String> known) {
    Map<String, Setting> values = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + " line " + (i + 1);
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw new ConfigException(where + ": expected key = value");
      }
      String key = line.substring(0, eq).strip();
      if (!known.contains(key)) {
        throw new ConfigException(where + ": unknown key '" + key + "'");
      }
      if (values.put(key, new Setting(line.substring(eq + 1).strip(), where, base)) != null) {
        throw new ConfigException(where + ": " + key + " given twice");
      }
    }
    return values;
  }

  private static Map<String, Setting> fromEnvironment(String part, Map<String, String> env, Set<String> known) {
    Map<String, String> byVariable = new LinkedHashMap<>();
    for (String key : known) {
      byVariable.put(variable(part, key), key);
    }
    Map<String, Setting> values = new LinkedHashMap<>();
    String prefix = prefix(part);
    for (Map.Entry<String, String> e : new TreeSet<>(env.keySet()).stream()
        .map(k -> Map.entry(k, env.get(k))).toList()) {
      if (!e.getKey().startsWith(prefix)) {
        continue;
      }
      String key = byVariable.get(e.getKey());
      if (key == null) {
        throw new ConfigException("environment variable " + e.getKey() + " names no " + part.toLowerCase(Locale.ROOT)
            + " setting; the settings are " + String.join(", ", known));
      }
      values.put(key, new Setting(e.getValue().strip(), "environment variable " + e.getKey()));
    }
    return values;
  }

  private static Map<String, Setting> fromFlags(List<String> sets, Set<String> known) {
    Map<String, Setting> values = new LinkedHashMap<>();
    for (String set : sets == null ? List.<String>of() : sets) {
      int eq = set.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("--set " + set + ": expected --set key=value");
      }
      String key = set.substring(0, eq).strip();
      if (!known.contains(key)) {
        throw new ConfigException("--set " + set + ": unknown key '" + key + "'");
      }
      if (values.put(key, new Setting(set.substring(eq + 1).strip(), "--set " + key)) != null) {
        throw new ConfigException("--set " + key + " given twice");
      }
    }
    return values;
  }

  // ---------------------------------------------------------------- what is set

  public String part() {
    return part;
  }

  /** Every key this part knows, sorted. */
  public Set<String> keys() {
    return keys;
  }

  public boolean has(String key) {
    return values.containsKey(known(key));
  }

  /** Where {@code key}'s value came from: a file and line, a variable, a flag, or "the default". */
  public String origin(String key) {
    Setting s = values.get(known(key));
    return s == null ? "the default" : s.origin();
  }

  /** The keys set by some layer, with their raw values, in the order they were read. */
  public Map<String, String> raw() {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, s) -> out.put(k, s.value()));
    return out;
  }

  private String known(String key) {
    if (!keys.contains(key)) {
      throw new IllegalArgumentException("not a " + part + " setting: " + key);
    }
    return key;
  }

  private String text(String key) {
    Setting s = values.get(known(key));
    return s == null ? null : s.value();
  }

  /** A refusal of {@code key}'s value, naming the key and its origin. */
  public ConfigException invalid(String key, String rule) {
    String value = text(key);
    return new ConfigException(key + " (from " + origin(key) + ") " + rule
        + (value == null ? "" : ", was '" + value + "'"));
  }

  // ---------------------------------------------------------------- typed values

  public String string(String key, String dflt) {
    String s = text(key);
    return s == null ? dflt : s;
  }

  /** A key that has no default. */
  public String required(String key) {
    String s = text(key);
    if (s == null || s.isEmpty()) {
      throw new ConfigException(key + " must be set (in the configuration file, as " + variable(part, key)
          + ", or with --set " + key + "=...)");
    }
    return s;
  }

  public int integer(String key, int dflt) {
    long n = longValue(key, dflt);
    if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
      throw invalid(key, "is out of range");
    }
    return (int) n;
  }

  public long longValue(String key, long dflt) {
    String s = text(key);
    if (s == null) {
      return dflt;
    }
    if (!INTEGER.matcher(s).matches()) {
      throw invalid(key, "must be an integer");
    }
    return Long.parseLong(s);
  }

  public double decimal(String key, double dflt) {
    String s = text(key);
    if (s == null) {
      return dflt;
    }
    if (!DECIMAL.matcher(s).matches()) {
      throw invalid(key, "must be a non-negative decimal number");
    }
    return Double.parseDouble(s);
  }

  /** A non-negative duration: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}. */
  public Duration duration(String key, Duration dflt) {
    Duration d = signedDuration(key, dflt);
    if (d.isNegative()) {
      throw invalid(key, "must not be negative");
    }
    return d;
  }

  /** A duration that may be negative ({@code -90s}), for keys that say so. */
  public Duration signedDuration(String key, Duration dflt) {
    String s = text(key);
    if (s == null) {
      return dflt;
    }
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      throw invalid(key, "must be a duration such as 500ms, 30s, 2m or 1h");
    }
    long unit = switch (m.group(3)) {
      case "ms" -> 1;
      case "s" -> 1000;
      case "m" -> 60_000;
      default -> 3_600_000;
    };
    long millis;
    try {
      // a duration is a long of milliseconds, as ConfigText.duration writes it: overflow is refused here
      millis = Math.multiplyExact(Long.parseLong(m.group(2)), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw invalid(key, "is out of range (at most " + Long.MAX_VALUE + "ms)");
    }
    return Duration.ofMillis(m.group(1).isEmpty() ? millis : -millis);
  }

  /** A size in bytes: {@code 262144}, {@code 256KiB}, {@code 1MiB}, {@code 64GiB}. */
  public long size(String key, long dflt) {
    String s = text(key);
    if (s == null) {
      return dflt;
    }
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) {
      throw invalid(key, "must be a size such as 262144, 256KiB, 1MiB or 64GiB");
    }
    long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
      case "KiB" -> 1L << 10;
      case "MiB" -> 1L << 20;
      default -> 1L << 30;
    };
    long n = Long.parseLong(m.group(1));
    if (n > Long.MAX_VALUE / unit) {
      throw invalid(key, "is out of range");
    }
    return n * unit;
  }

  /**
   * A path. A relative path from the configuration file is read from that file's directory, so
   * that a configuration and the files beside it can be copied anywhere together; one from the
   * environment or a {@code --set} flag is left relative, to the working directory, as a person
   * typing it means. An absolute path is returned as written.
   */
  public Path path(String key, Path dflt) {
    Setting setting = values.get(known(key));
    if (setting == null || setting.value().isEmpty()) {
      return dflt;
    }
    Path p;
    try {
      p = Path.of(setting.value());
    } catch (InvalidPathException e) {
      throw invalid(key, "is not a usable path");
    }
    return setting.base() == null || p.isAbsolute() ? p : setting.base().resolve(p).normalize();
  }

  public boolean bool(String key, boolean dflt) {
    String s = text(key);
    if (s == null) {
      return dflt;
    }
    return switch (s) {
      case "true" -> true;
      case "false" -> false;
      default -> throw invalid(key, "must be true or false");
    };
  }

  /** A comma-separated list, items stripped, empty items dropped; empty when unset. */
  public List<String> list(String key) {
    String s = text(key);
    List<String> out = new ArrayList<>();
    if (s != null) {
      for (String item : s.split(",", -1)) {
        if (!item.isBlank()) {
          out.add(item.strip());
        }
      }
    }
    return out;
  }
}
