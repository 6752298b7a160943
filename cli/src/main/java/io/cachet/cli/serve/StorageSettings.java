package io.cachet.cli.serve;

import io.cachet.common.config.ConfigException;
import io.cachet.common.config.Settings;
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
import java.util.HexFormat;
import java.util.List;

/**
 * The typed values only the storage parts' configurations have: the network descriptor, the
 * publisher keys, the part's own address in a node URL, and the clock the part decides by. Loading
 * and refusing are {@link ServeOptions}' and {@link Settings}' (relative paths in a file are read
 * from its directory there, so a kit made by {@code cachet network init} can be copied anywhere).
 */
final class StorageSettings {
  private StorageSettings() {}

  /** A path key that must be set. */
  static Path requiredPath(Settings s, String key) {
    s.required(key);
    return s.path(key, null);
  }

  /** The clock the part decides by: the system's, shifted by {@code clock-offset} (for fault drills). */
  static Clock clock(Settings s) {
    Duration offset = s.signedDuration("clock-offset", Duration.ZERO);
    return Clock.offset(Clock.systemUTC(), offset);
  }

  /** Reads {@code network.json} named by {@code key}; a missing or malformed file is refused naming the key. */
  static NetworkConfig network(Settings s, String key) {
    Path file = requiredPath(s, key);
    try {
      return NetworkConfig.fromJson(new JsonObject(Files.readString(file)));
    } catch (NoSuchFileException e) {
      throw new ConfigException(key + " (from " + s.origin(key) + "): " + file + " does not exist");
    } catch (IOException | DecodeException | IllegalArgumentException | NullPointerException
        | ClassCastException e) {
      throw new ConfigException(key + " (from " + s.origin(key) + "): " + file
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
}
