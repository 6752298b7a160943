package io.cachet.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the command keeps its state: {@code --home}, else {@code $CACHET_HOME}, else
 * {@code ~/.cachet}. Identities live in {@code ids/}, the devnet in {@code devnet/}.
 */
public final class CachetHome {
  @Option(names = "--home", paramLabel = "DIR",
      description = "Cachet's state directory (default: $CACHET_HOME, else ~/.cachet).")
  Path home;

  public Path dir() {
    if (home != null) {
      return home.toAbsolutePath();
    }
    String env = System.getenv("CACHET_HOME");
    if (env != null && !env.isBlank()) {
      return Path.of(env).toAbsolutePath();
    }
    return Path.of(System.getProperty("user.home"), ".cachet");
  }

  public Path ids() {
    return dir().resolve("ids");
  }
}
