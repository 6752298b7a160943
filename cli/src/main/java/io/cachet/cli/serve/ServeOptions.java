package io.cachet.cli.serve;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.cachet.cli.Invocation;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The options every part's command shares (a picocli mixin of {@code cachet ledger|keyserver|node|
 * gateway serve} and {@code cachet keyserver rotate-key}): where the configuration comes from
 * ({@code --config}, the part's {@code CACHET_<PART>_*} environment, {@code --set}) and the two
 * dry runs, {@code --check} and {@code --print-config}. A refused configuration is a
 * {@link ConfigException}, which {@code ExitCodes} maps to exit 2 (a port in use, to exit 4).
 */
public final class ServeOptions {
  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "The configuration file: key = value lines, # comments; relative paths in it are read from its"
          + " directory.")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Set one key, over the environment and the file; repeatable.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--check", description = "Load the configuration and run every start-up check, then exit 0 if the"
      + " part would start.")
  boolean check;

  @Option(names = "--print-config",
      description = "Print the effective configuration (every key, defaults included, no secret values) and exit.")
  boolean printConfig;

  /** Whether {@code --check} was asked for. */
  public boolean check() {
    return check;
  }

  /** Whether {@code --print-config} was asked for. */
  public boolean printConfig() {
    return printConfig;
  }

  /**
   * Reads the three layers for {@code part}: the file, the run's environment, the flags.
   *
   * @throws ConfigException naming the key and where its value came from, or {@code --config}
   *     when the file is missing
   * @throws IOException if the file exists but cannot be read (exit 4)
   */
  public Settings load(String part, Collection<String> keys) throws IOException {
    Invocation run = Invocation.current();
    Path file = run.cwd().resolve(config);
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("--config: " + config + (Files.exists(file) ? " is not a file" : " does not exist")
          + "; give the part's configuration file ('cachet " + part + " serve --help' says where its keys are"
          + " listed)");
    }
    return Settings.load(part, keys, file, run.environment(), sets);
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
