package io.cachet.cli.sdk;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A script of {@code browser/test/node-sdk/} run by Node: the browser SDK as a reader, whose first
 * line is a JSON object saying who it is ({@code address}, and {@code chainId} for a wallet), then
 * one JSON line answering each command. Its stderr goes to a file in the test's directory, shown
 * when a line does not come.
 */
final class NodeSdkProcess implements AutoCloseable {
  /** How long one command may take: a key fetch (a wallet's signature too) and a few MiB read from the devnet. */
  private static final long ANSWER_SECONDS = 90;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final Path stderr;
  /** The script's first line: who the reader is. */
  final JsonNode first;
  /** The reader's address, from the first line. */
  final String address;

  private NodeSdkProcess(Process process, Path stderr) throws Exception {
    this.process = process;
    this.stderr = stderr;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.first = nextLine();
    this.address = first.path("address").asText(null);
  }

  /** The repository's browser/ folder, from cli/ where Maven runs the tests. */
  static Path browserDir() {
    return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().resolveSibling("browser");
  }

  /** Skips the test where Node or the browser module's dependencies are missing (npm ci not run). */
  static void assumeAvailable() {
    boolean node;
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      node = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      node = false;
    }
    assumeTrue(node, "node is not on the PATH");
    assumeTrue(Files.isDirectory(browserDir().resolve("node_modules").resolve("@hpke")),
        "browser/node_modules is missing: cd browser && npm ci --ignore-scripts");
  }

  /** {@code open.mjs}: a reader with a fresh in-memory WebCrypto identity on {@code network}. */
  static NodeSdkProcess start(Path network, Path dir) throws Exception {
    return start(dir, "open.mjs", network.toString());
  }

  /**
   * Runs {@code browser/test/node-sdk/SCRIPT ARGS...} and reads its first line; {@code dir} keeps
   * its stderr.
   */
  static NodeSdkProcess start(Path dir, String script, String... args) throws Exception {
    Path stderr = Files.createTempFile(dir, "node-sdk-", ".err");
    List<String> command = new ArrayList<>(List.of("node", "test/node-sdk/" + script));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command)
        .directory(browserDir().toFile())
        .redirectError(stderr.toFile())
        .start();
    try {
      return new NodeSdkProcess(p, stderr);
    } catch (Exception | AssertionError e) {
      p.destroyForcibly();
      throw e;
    }
  }

  /** Sends one command and returns its answer. */
  JsonNode command(String line) throws Exception {
    in.write(line + "\n");
    in.flush();
    return nextLine();
  }

  private JsonNode nextLine() throws Exception {
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String text;
    try {
      text = line.get(ANSWER_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      text = null;
    }
    if (text == null) {
      throw new AssertionError("the node SDK gave no answer; its stderr:\n" + Files.readString(stderr));
    }
    return JSON.readTree(text);
  }

  @Override
  public void close() throws Exception {
    try {
      in.write("quit\n");
      in.flush();
    } catch (IOException e) {
      // it has ended already
    }
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
