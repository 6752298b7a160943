package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a devnet runs its parts, as {@code devnet.json} records it under {@code mode}: a devnet
 * keeps the mode it was made with. A {@code devnet.json} without the key is an in-JVM devnet (made
 * before there was a choice).
 */
enum DevnetMode {
  /** Every part inside the daemon's JVM ({@link Devnet}). */
  IN_JVM("in-jvm"),
  /** One OS process per part ({@link ProcessDevnet}). */
  PROCESSES("processes");

  /** The file that records it, beside the devnet's descriptor. */
  static final String STATE_FILE = "devnet.json";

  private final String word;

  DevnetMode(String word) {
    this.word = word;
  }

  /** Its name in devnet.json and in {@code status}. */
  String word() {
    return word;
  }

  /** The mode the devnet in {@code dir} was made with; empty if none was made there yet. */
  static Optional<DevnetMode> recorded(Path dir) throws IOException {
    Path state = dir.resolve(STATE_FILE);
    if (!Files.exists(state)) {
      return Optional.empty();
    }
    JsonNode n = new ObjectMapper().readTree(state.toFile());
    if (n == null || !n.isObject()) {
      throw new DevnetException(state + " is damaged; remove the devnet directory to start afresh");
    }
    if (DevnetCors.settingsOnly(n)) {
      // devnet up --cors-origin wrote its origins before the first start: no devnet was made yet
      return Optional.empty();
    }
    return Optional.of(PROCESSES.word.equals(n.path("mode").asText()) ? PROCESSES : IN_JVM);
  }
}
