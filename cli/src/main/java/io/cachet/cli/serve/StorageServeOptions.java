package io.cachet.cli.serve;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options {@code node serve} and {@code gateway serve} share (a picocli mixin). */
public final class StorageServeOptions {
  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "The configuration file (key = value lines); relative paths in it are read from its directory.")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Sets one key, over the environment and the file; repeatable.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--check", description = "Loads the configuration and runs every start-up check, without starting.")
  boolean check;

  @Option(names = "--print-config", description = "Prints the effective configuration, defaults included, and exits.")
  boolean printConfig;
}
