package io.cachet.cli.devnet;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * The parts of a running devnet, as the daemon's control endpoint drives them: inside its own JVM
 * ({@link InJvmParts}) or one OS process each ({@link ProcessDevnet}). Calls may block for as long
 * as a part takes to start or stop; the daemon makes them one at a time.
 */
interface DevnetParts extends AutoCloseable {
  /** The devnet's directory. */
  Path dir();

  /**
   * Every part, whether it runs, and where: {@code dir}, {@code pid} (the daemon's), {@code mode},
   * {@code chain}, {@code ledgerHeight}, {@code descriptor}, and {@code parts}, each with at least
   * {@code name}, {@code running} and {@code url}.
   */
  JsonObject status();

  /** Stops one part politely; the others keep running. Returns its exit code (0 inside the JVM). */
  int stop(String part) throws Exception;

  /** Starts a stopped part again from its own files, where it was before. */
  void start(String part) throws Exception;

  /**
   * Ends one part at once, as a crash would (SIGKILL), and returns its exit code.
   *
   * @throws DevnetException {@link DevnetException#NEEDS_PROCESSES} where parts are no processes
   */
  int kill(String part) throws Exception;

  /** Stops every part and releases the directory. */
  @Override
  void close();
}
