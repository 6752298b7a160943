package io.cachet.cli.keyserver;

import io.cachet.cli.Cachet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code cachet keyserver ...} run as its own OS process ({@code java -cp <class path>
 * io.cachet.cli.Cachet ...}), with its stdout and stderr in files the test reads.
 */
final class KeyServerProcess implements AutoCloseable {
  private static final Pattern SERVING = Pattern.compile("event=keyserver_serving .*url=http://127\\.0\\.0\\.1:(\\d+)"
      + " .*key_version=(\\d+)");
  /** Generous: a loaded 2-core machine starts a JVM, derives an Argon2id key and follows a ledger. */
  private static final long START_SECONDS = 180;

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private KeyServerProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  static KeyServerProcess start(Path dir, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1",
        // the command's own logging (events on stderr), not the test classpath's logback-test.xml
        "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"), Cachet.class.getName()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CACHET_"));
    pb.environment().putAll(env);
    return new KeyServerProcess(pb.start(), out, err);
  }

  /** Runs a command to its end and returns its exit code. */
  int waitForExit() throws InterruptedException, IOException {
    if (!process.waitFor(START_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("did not exit; stderr: " + stderr());
    }
    return process.exitValue();
  }

  /** Waits for the serving line; returns {port, key version}. */
  int[] awaitServing() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
    while (System.nanoTime() < deadline) {
      Matcher m = SERVING.matcher(stderr());
      if (m.find()) {
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
      }
      if (!process.isAlive()) {
        throw new AssertionError("exited " + process.exitValue() + " before serving; stderr: " + stderr());
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not serving in time; stderr: " + stderr());
  }

  /** Sends SIGTERM (what {@link Process#destroy} sends on Unix) and waits for the exit code. */
  int terminate() throws InterruptedException, IOException {
    process.destroy();
    return waitForExit();
  }

  String stdout() throws IOException {
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  String stderr() throws IOException {
    return Files.readString(stderr, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
