package io.cachet.bench.browser;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Cachet's browser SDK in Node ({@code bench/browser-node/cachet-open.mjs}) on the blob the page
 * opens: an in-memory identity, granted by the caller; then per run the body's decrypt alone (the
 * envelope in memory) and a whole openBlob over loopback, both drained.
 */
public final class NodeCachet implements AutoCloseable {
  private final NodeScript script;
  private final JsonNode ready;

  /** One run, in milliseconds: openBody over memory, openBlob over loopback; plaintext bytes of each. */
  public record Run(double bodyMillis, double openMillis, long bodyBytes, long openBytes) {}

  private NodeCachet(NodeScript script, JsonNode ready) {
    this.script = script;
    this.ready = ready;
  }

  /**
   * Starts the script on {@code blobId} of the network {@code descriptor} describes; {@code grant}
   * is given the script's address and must grant it before returning.
   */
  public static NodeCachet start(Path folder, Path descriptor, String blobId, Consumer<String> grant) throws IOException {
    NodeScript script = NodeScript.start(folder, "cachet-open.mjs", descriptor.toAbsolutePath().toString(), blobId);
    try {
      grant.accept(script.read().path("address").asText());
      script.tell("granted");
      return new NodeCachet(script, script.read());
    } catch (IOException | RuntimeException e) {
      script.close();
      throw e;
    }
  }

  /** What the script said when ready: envelope and plaintext sizes, Node version. */
  public JsonNode ready() {
    return ready;
  }

  public Run run() throws IOException {
    JsonNode r = script.ask("run");
    return new Run(r.path("body").asDouble(), r.path("open").asDouble(), r.path("bodyBytes").asLong(),
        r.path("openBytes").asLong());
  }

  @Override
  public void close() {
    script.close();
  }
}
