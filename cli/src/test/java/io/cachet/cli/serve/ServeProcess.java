package io.cachet.cli.serve;

import io.cachet.cli.Cachet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one launcher of the cli tests: a {@code cachet} command run as its own OS process, as an
 * operator or a service manager runs it (the test's class path, the command's own logging
 * configuration so that its {@code event=} lines are written, a working directory and an
 * environment of its own), its stdout and stderr in files the test reads.
 */
public final class ServeProcess implements AutoCloseable {
  /** How long a start or a stop may take on a loaded two-core machine (a JVM, Argon2id, a ledger's replay). */
  public static final Duration PATIENCE = Duration.ofMinutes(3);
  /** How often the output is read again while waiting for a line. */
  private static final long POLL_MILLIS = 100;

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private ServeProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code cachet ARGS...} in {@code dir} (its working directory, where its output files
   * go), with {@code env} added to this process's environment less every {@code CACHET_*} variable.
   */
  public static ServeProcess start(Path dir, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        // the command's own logging (events on stderr), not the test class path's logback-test.xml
        "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"),
        Cachet.class.getName()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CACHET_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    return new ServeProcess(p, out, err);
  }

  /** Runs a command that ends by itself, and waits for it. */
  public static ServeProcess run(Path dir, Map<String, String> env, String... args) throws Exception {
    ServeProcess p = start(dir, env, args);
    p.exit();
    return p;
  }

  public Process process() {
    return process;
  }

  /** The first match of {@code pattern} in the output, waiting for it; fails with the output so far. */
  public Matcher await(Pattern pattern) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      boolean ended = !process.isAlive();
      Matcher m = pattern.matcher(output());
      if (m.find()) {
        return m;
      }
      if (ended) {
        throw new AssertionError("the process ended (exit " + process.exitValue() + ") with no line matching "
            + pattern + ":\n" + output());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no line matching " + pattern + " within " + PATIENCE + ":\n" + output());
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  /** Waits until the output holds {@code text} (an {@code event=} name, say). */
  public ServeProcess awaitLog(String text) throws InterruptedException {
    await(Pattern.compile(Pattern.quote(text)));
    return this;
  }

  /**
   * Sends SIGTERM, as a service manager stops a part. Through the process handle: {@code
   * Process.destroy} may also close the streams, and the part's last lines would go unread.
   */
  public void terminate() {
    process.toHandle().destroy();
  }

  /** SIGKILL, and waits for the process to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }

  /** Waits for the process to end and returns its exit status. */
  public int exit() throws InterruptedException {
    if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the process did not end; its output:\n" + output());
    }
    return process.exitValue();
  }

  /** What it printed on stdout so far. */
  public String out() {
    return read(stdout);
  }

  /** What it printed on stderr so far: its log and its error lines. */
  public String err() {
    return read(stderr);
  }

  /** Everything it printed so far, stdout then stderr. */
  public String output() {
    String out = out();
    return out.isEmpty() || out.endsWith("\n") ? out + err() : out + "\n" + err();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
