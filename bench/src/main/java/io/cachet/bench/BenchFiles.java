package io.cachet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A harness's scratch files: removed at the end of a run, since a run writes hundreds of MB. */
final class BenchFiles {
  private BenchFiles() {}

  /** Deletes {@code root} and everything under it, best effort. */
  static void deleteTree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
