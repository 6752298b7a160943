package io.cachet.bench.browser;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Seal TypeScript SDK's decrypt in a Node process of its own ({@code bench/seal-peer}): it
 * prepares one object, warms up, says ready, then answers each {@code run} with that run's times.
 */
public final class SealPeer implements AutoCloseable {
  private final NodeScript script;
  private final JsonNode ready;

  /** One run: the DEM alone and SealClient.decrypt's local part, in milliseconds. */
  public record Run(double demMillis, double fullMillis, long bytes) {}

  private SealPeer(NodeScript script) throws IOException {
    this.script = script;
    this.ready = script.read();
  }

  /**
   * Installs the peer's locked dependencies if they are missing ({@code npm ci --ignore-scripts})
   * and starts it on a {@code mib} MiB plaintext with {@code warmups} runs before it is ready.
   */
  public static SealPeer start(Path folder, int mib, int warmups) throws IOException, InterruptedException {
    if (!Files.isDirectory(folder.resolve("node_modules").resolve("@mysten").resolve("seal"))) {
      Process ci = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
          .directory(folder.toFile()).inheritIO().start();
      if (ci.waitFor() != 0) {
        throw new IOException("npm ci in " + folder + " failed (exit " + ci.exitValue() + ")");
      }
    }
    NodeScript script = NodeScript.start(folder, "seal-decrypt.mjs", String.valueOf(mib), String.valueOf(warmups));
    try {
      return new SealPeer(script);
    } catch (IOException | RuntimeException e) {
      script.close();
      throw e;
    }
  }

  /** What the peer said when ready: SDK, plaintext and object sizes, Node version. */
  public JsonNode ready() {
    return ready;
  }

  public Run run() throws IOException {
    JsonNode r = script.ask("run");
    return new Run(r.path("dem").asDouble(), r.path("full").asDouble(), r.path("bytes").asLong());
  }

  @Override
  public void close() {
    script.close();
  }
}
