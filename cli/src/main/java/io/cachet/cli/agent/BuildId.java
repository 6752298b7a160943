package io.cachet.cli.agent;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.CodeSource;

/**
 * Which build of the command line this process runs: the size and modification time of the jar
 * (or, run from a class directory, of the launcher's class file) it was loaded from. A launcher
 * sends its own with every command, and an agent started from another build refuses it, so a
 * rebuilt jar never has its commands run by old code. Two builds that agree on both would be taken
 * for one; a rebuild changes the modification time, which is what this guards against. Loads only
 * {@code java.*}.
 */
public final class BuildId {
  /** The id when the code's location cannot be read: it matches only another such process. */
  static final String UNKNOWN = "unknown";

  private BuildId() {}

  /** This process's build id. */
  public static String current() {
    try {
      CodeSource source = BuildId.class.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null) {
        return UNKNOWN;
      }
      Path location = Path.of(source.getLocation().toURI());
      Path file = Files.isDirectory(location)
          ? location.resolve(BuildId.class.getName().replace('.', '/') + ".class")
          : location;
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return a.size() + ":" + a.lastModifiedTime().toMillis();
    } catch (IOException | URISyntaxException | RuntimeException e) {
      return UNKNOWN;
    }
  }
}
