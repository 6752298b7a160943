package io.cachet.bench.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Node script kept alive beside the browser, so its runs can alternate with the page's: it is
 * told what to do by lines on its stdin and answers each with one JSON line on its stdout; what it
 * says on stderr goes to this process's.
 */
final class NodeScript implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final BufferedReader out;
  private final Writer in;

  private NodeScript(Process process) {
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  /** {@code node SCRIPT ARGS} in {@code folder}. */
  static NodeScript start(Path folder, String script, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    return new NodeScript(new ProcessBuilder(command).directory(folder.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start());
  }

  /** Sends one line and reads the answer. */
  JsonNode ask(String line) throws IOException {
    tell(line);
    return read();
  }

  void tell(String line) throws IOException {
    in.write(line + "\n");
    in.flush();
  }

  /** The next JSON line the script prints. */
  JsonNode read() throws IOException {
    String line = out.readLine();
    if (line == null) {
      throw new IOException("the Node script ended (exit " + waitExit() + "); its errors are above");
    }
    return JSON.readTree(line);
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
  public void close() {
    try {
      tell("quit");
    } catch (IOException ignored) {
      // it has ended already
    }
    process.destroy();
  }
}
