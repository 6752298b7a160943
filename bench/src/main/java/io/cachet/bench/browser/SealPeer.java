package io.cachet.bench.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Seal TypeScript SDK's decrypt in a Node process of its own ({@code bench/seal-peer}), kept
 * alive so that its runs can alternate with the browser's: it prepares one object, warms up, says
 * ready, then answers each {@code run} with that run's times.
 */
public final class SealPeer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final JsonNode ready;

  /** One run: the DEM alone and SealClient.decrypt's local part, in milliseconds. */
  public record Run(double demMillis, double fullMillis, long bytes) {}

  private SealPeer(Process process) throws IOException {
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.ready = JSON.readTree(line());
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
    Process p = new ProcessBuilder(List.of("node", "seal-decrypt.mjs", String.valueOf(mib), String.valueOf(warmups)))
        .directory(folder.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    try {
      return new SealPeer(p);
    } catch (IOException | RuntimeException e) {
      p.destroy();
      throw e;
    }
  }

  /** What the peer said when ready: SDK, plaintext and object sizes, Node version. */
  public JsonNode ready() {
    return ready;
  }

  public Run run() throws IOException {
    in.write("run\n");
    in.flush();
    JsonNode r = JSON.readTree(line());
    return new Run(r.path("dem").asDouble(), r.path("full").asDouble(), r.path("bytes").asLong());
  }

  private String line() throws IOException {
    String line = out.readLine();
    if (line == null) {
      throw new IOException("the Seal peer ended (exit " + waitExit() + "); its errors are above");
    }
    return line;
  }

  private int waitExit() {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      in.write("quit\n");
      in.flush();
    } catch (IOException ignored) {
      // it has ended already
    }
    process.destroy();
  }
}
