package io.cachet.cli.serve;

import io.cachet.cli.Cachet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code cachet} command run as its own OS process, as an operator or a service manager runs it:
 * the test's class path, its own environment, stdout and stderr read together line by line.
 */
final class ServeProcess implements AutoCloseable {
  /** How long a start or a stop may take on a loaded two-core machine. */
  static final Duration PATIENCE = Duration.ofSeconds(120);

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private ServeProcess(Process process) {
    this.process = process;
    this.reader = new Thread(this::read, "serve-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code cachet ARGS...} with {@code env} added to this process's environment. */
  static ServeProcess start(Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), Cachet.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("CACHET_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    return new ServeProcess(p);
  }

  /** Runs a command that ends by itself, and waits for it. */
  static ServeProcess run(Map<String, String> env, String... args) throws Exception {
    ServeProcess p = start(env, args);
    p.exit();
    return p;
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException e) {
      // the process is gone: its output ends here
    }
  }

  /** The first match of {@code pattern} in the output, waiting for it; fails with the output so far. */
  Matcher await(Pattern pattern) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    synchronized (lines) {
      while (true) {
        for (String line : lines) {
          Matcher m = pattern.matcher(line);
          if (m.find()) {
            return m;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
          throw new AssertionError("no line matching " + pattern + " in:\n" + output());
        }
        lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
      }
    }
  }

  /**
   * Sends SIGTERM, as a service manager stops a part. Through the process handle: {@code
   * Process.destroy} also closes the streams, and the part's last lines would go unread.
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Waits for the process to end and returns its exit status. */
  int exit() throws InterruptedException {
    if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the process did not end; its output:\n" + output());
    }
    reader.join(PATIENCE.toMillis());
    return process.exitValue();
  }

  /** Everything it printed so far, stdout and stderr together. */
  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
