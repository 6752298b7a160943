package io.cachet.cli.serve;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.cachet.cli.Invocation;
import io.cachet.cli.UsageException;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.Settings;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The options every {@code cachet PART serve} command shares (a picocli mixin): where the
 * configuration comes from ({@code --config}, {@code --set}, the part's environment variables)
 * and the two dry runs, {@code --check} and {@code --print-config}.
 */
public final class ServeOptions {
  /** The stable reason a refused configuration reports under {@code --json}. */
  public static final String BAD_CONFIGURATION = "BAD_CONFIGURATION";

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "The configuration file: key = value lines, # comments.")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Set one key, over the environment and the file; repeatable.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--check", description = "Load the configuration and run every start-up check, then exit 0 if the part would start.")
  boolean check;

  @Option(names = "--print-config",
      description = "Print the effective configuration (every key, defaults included, no secret values) and exit.")
  boolean printConfig;

  /** Whether only {@code --check} was asked for. */
  public boolean check() {
    return check;
  }

  /** Whether only {@code --print-config} was asked for. */
  public boolean printConfig() {
    return printConfig;
  }

  /**
   * Reads the three layers for {@code part}.
   *
   * @throws UsageException (exit 2) naming the key and where its value came from
   * @throws IOException if the file exists but cannot be read (exit 4)
   */
  public Settings load(String part, Collection<String> keys) throws IOException {
    try {
      return Settings.load(part, keys, config, Invocation.current().environment(), sets);
    } catch (NoSuchFileException e) {
      throw new UsageException(BAD_CONFIGURATION, "--config: " + config + " does not exist",
          "Give the part's configuration file ('cachet " + part + " serve --help' lists its keys).");
    } catch (ConfigException e) {
      throw refused(e);
    }
  }

  /** A configuration refusal as the command line reports it: exit 2, the key and origin named. */
  public static UsageException refused(ConfigException e) {
    return new UsageException(BAD_CONFIGURATION, e.getMessage(), null);
  }

  /**
   * Shows the part's own {@code event=} lines: a command is quiet by default, a server reports
   * what it does. An operator's {@code -Dcachet.log.level} wins.
   */
  public static void logEvents() {
    if (System.getProperty("cachet.log.level") == null
        && LoggerFactory.getLogger("io.cachet") instanceof Logger cachet) {
      cachet.setLevel(Level.INFO);
    }
  }
}
