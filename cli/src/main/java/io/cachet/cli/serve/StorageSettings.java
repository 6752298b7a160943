package io.cachet.cli.serve;

import io.cachet.cli.UsageException;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.ConfigText;
import io.cachet.common.config.Settings;
import io.cachet.common.config.StartupChecks;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ch.qos.logback.classic.Level;

/**
 * What the storage parts' {@code serve} commands share about their configuration: loading it from
 * the file, the environment and {@code --set}; reading paths relative to the file, so that a kit
 * made by {@code cachet network init} can be copied anywhere; reading {@code network.json}; and
 * turning a refused value into the command's exit code (2, naming the key), except a port another
 * process holds, which is exit 4 (a resource, not a typo).
 */
final class StorageSettings {
  /** Reason code of a refused configuration, in {@code --json} answers. */
  static final String BAD_CONFIG = "BAD_CONFIG";

  private final Settings settings;
  private final Path base;

  private StorageSettings(Settings settings, Path base) {
    this.settings = settings;
    this.base = base;
  }

  /** Loads {@code part}'s settings; a missing file or a bad line is a usage error naming it. */
  static StorageSettings load(String part, Collection<String> keys, StorageServeOptions options) throws IOException {
    Path file = options.config.toAbsolutePath();
    if (!Files.isRegularFile(file)) {
      throw new UsageException(BAD_CONFIG, "--config: " + file + " is not a file", null);
    }
    try {
      return new StorageSettings(Settings.load(part, keys, file, System.getenv(), options.sets), file.getParent());
    } catch (ConfigException e) {
      throw refused(e);
    }
  }

  /** The command's answer to a refused value: exit 2, the loader's message (it names the key and origin). */
  static UsageException refused(ConfigException e) {
    return new UsageException(BAD_CONFIG, e.getMessage(), null);
  }

  /** Refuses a port another process holds, as exit 4 naming the key. */
  static void portFree(String host, int port, String key) throws IOException {
    try {
      StartupChecks.portFree(host, port, key);
    } catch (ConfigException e) {
      throw new IOException(e.getMessage());
    }
  }

  Settings raw() {
    return settings;
  }

  /** A path key, relative to the configuration file's directory; null when unset and {@code dflt} is null. */
  Path path(String key, Path dflt) {
    Path p = settings.path(key, dflt);
    return p == null ? null : base.resolve(p).normalize();
  }

  /** A path key that must be set. */
  Path requiredPath(String key) {
    settings.required(key);
    return path(key, null);
  }

  /** The clock the part decides by: the system's, shifted by {@code clock-offset} (for fault drills). */
  Clock clock() {
    Duration offset = settings.signedDuration("clock-offset", Duration.ZERO);
    return Clock.offset(Clock.systemUTC(), offset);
  }

  /** Reads {@code network.json} named by {@code key}; a missing or malformed file is refused naming the key. */
  NetworkConfig network(String key) {
    Path file = requiredPath(key);
    try {
      return NetworkConfig.fromJson(new JsonObject(Files.readString(file)));
    } catch (NoSuchFileException e) {
      throw new ConfigException(key + " (from " + settings.origin(key) + "): " + file + " does not exist");
    } catch (IOException | DecodeException | IllegalArgumentException | NullPointerException
        | ClassCastException e) {
      throw new ConfigException(key + " (from " + settings.origin(key) + "): " + file
          + " is not a network descriptor: " + e.getMessage());
    }
  }

  /** Ed25519 public keys written as 64 hex digits each. */
  static List<byte[]> hexKeys(List<String> items, String key, Settings settings) {
    return items.stream().map(h -> {
      if (!h.matches("[0-9a-fA-F]{64}")) {
        throw settings.invalid(key, "must be 64 hex digits per key (an Ed25519 public key)");
      }
      return HexFormat.of().parseHex(h);
    }).toList();
  }

  /** The host in a node's URL. */
  static String host(String url) {
    return URI.create(url).getHost();
  }

  /** The port in a node's URL (80 when it names none). */
  static int port(String url) {
    int p = URI.create(url).getPort();
    return p < 0 ? 80 : p;
  }

  /**
   * A server's log: one {@code event=...} line per event at INFO on stderr, unless the operator chose
   * a level with {@code -Dcachet.log.level} (the command line's own default is errors only).
   */
  static void serverLogging() {
    if (System.getProperty("cachet.log.level") == null
        && LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(Level.INFO);
    }
  }

  /** Prints an effective configuration in the file format. */
  static String render(String title, Map<String, String> values) {
    return ConfigText.render(title, values);
  }
}
