package io.cachet.cli.keyserver;

import io.cachet.cli.UsageException;
import io.cachet.common.config.ConfigException;
import io.cachet.keyserver.KeyServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE} and {@code --set key=value}: where a key server command reads its
 * configuration, with the {@code CACHET_KEYSERVER_*} environment between the two.
 */
final class KeyServerConfigOptions {
  /** The stable reason of a configuration the key server refuses (exit 2). */
  static final String BAD_CONFIG = "BAD_CONFIG";

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "The key server's configuration file (key = value lines; docs/KEYSERVER.md lists the keys).")
  Path file;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Set one key, over the file and the CACHET_KEYSERVER_* environment; repeatable.")
  List<String> sets = new ArrayList<>();

  /**
   * The configuration, or a usage error (exit 2) naming the key and where its value came from.
   *
   * @throws UncheckedIOException if the file cannot be read (exit 4)
   */
  KeyServerConfig load(Map<String, String> env) {
    try {
      return KeyServerConfig.load(file, env, sets);
    } catch (ConfigException e) {
      throw badConfig(e);
    } catch (NoSuchFileException e) {
      throw new UsageException(BAD_CONFIG, "--config: " + file + " does not exist", null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A refused configuration as the CLI reports it: exit 2, reason {@link #BAD_CONFIG}. */
  static UsageException badConfig(ConfigException e) {
    return new UsageException(BAD_CONFIG, "bad configuration: " + e.getMessage(), null);
  }
}
