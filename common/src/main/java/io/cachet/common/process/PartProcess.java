package io.cachet.common.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One part running as its own OS process, and the signals a chaos soak sends it: SIGTERM
 * ({@link #terminate}), SIGKILL ({@link #kill}), SIGSTOP and SIGCONT ({@link #pause},
 * {@link #resume}). It reads what the part prints ({@link #awaitLine}) and how much memory it holds
 * ({@link #rssBytes}).
 *
 * <p>Guarantees: a process started here does not outlive this JVM when this JVM exits normally or
 * on a signal it handles: a shutdown hook sends SIGKILL to every one still running, and to its
 * descendants. (A SIGKILL of this JVM runs no hook; nothing in Java can promise more.) Output files
 * are appended to, so a restarted part keeps its earlier log; {@link #awaitLine} reads only what
 * this process wrote.
 *
 * <p>Exit codes are the JVM's: a process ended by signal {@code s} exits {@code 128 + s}, so 137
 * after SIGKILL and 143 after a SIGTERM the part did not handle itself.
 */
public final class PartProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PartProcess.class);
  /** How often {@link #awaitLine} looks at the output files again. */
  static final Duration POLL = Duration.ofMillis(50);
  /** Longest {@link #kill} waits for the kernel to reap a killed process. */
  static final Duration KILL_WAIT = Duration.ofSeconds(30);
  /** Exit code of a process ended by SIGKILL (128 + 9). */
  public static final int SIGKILL_EXIT = 137;
  /** Environment variables a part reads its configuration from; not inherited from this JVM. */
  static final String CONFIG_ENV_PREFIX = "CACHET_";

  private static final Set<PartProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(PartProcess::killAll, "part-process-reaper"));
  }

  private final String name;
  private final PartLaunch launch;
  private final Process process;
  private final long stdoutFrom;
  private final long stderrFrom;

  private PartProcess(String name, PartLaunch launch, Process process, long stdoutFrom, long stderrFrom) {
    this.name = name;
    this.launch = launch;
    this.process = process;
    this.stdoutFrom = stdoutFrom;
    this.stderrFrom = stderrFrom;
  }

  /** Starts {@code launch} as a process called {@code name} in logs and messages. */
  public static PartProcess start(String name, PartLaunch launch) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(javaBinary().toString());
    command.addAll(launch.jvmOptions());
    command.add("-cp");
    command.add(launch.classPath());
    command.add(launch.mainClass());
    command.addAll(launch.args());
    ProcessBuilder pb = new ProcessBuilder(command).directory(launch.workDir().toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith(CONFIG_ENV_PREFIX));
    env.putAll(launch.env());
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(launch.stdout().toFile()));
    pb.redirectError(ProcessBuilder.Redirect.appendTo(launch.stderr().toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    long outFrom = sizeOf(launch.stdout());
    long errFrom = sizeOf(launch.stderr());
    PartProcess p = new PartProcess(name, launch, pb.start(), outFrom, errFrom);
    RUNNING.add(p);
    p.process.onExit().thenRun(() -> RUNNING.remove(p));
    LOG.info("event=part_process_started part={} pid={} main={}", name, p.pid(), launch.mainClass());
    return p;
  }

  /** The {@code java} of the running JVM. */
  static Path javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  public String name() {
    return name;
  }

  public PartLaunch launch() {
    return launch;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The exit code, once the process has ended. */
  public OptionalInt exitCode() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  // ---------------------------------------------------------------- signals

  /**
   * Sends SIGTERM (and SIGCONT, so that a paused part receives it) and waits up to {@code grace}
   * for the exit code. A part still running then is killed and this throws, since a part that does
   * not stop on SIGTERM is itself a finding.
   */
  public int terminate(Duration grace) throws InterruptedException, TimeoutException {
    if (process.isAlive()) {
      process.destroy();
      signal("CONT");
    }
    if (!process.waitFor(grace.toNanos(), TimeUnit.NANOSECONDS)) {
      int code = kill();
      throw new TimeoutException(name + " did not stop within " + grace + " of SIGTERM; killed, exit " + code);
    }
    LOG.info("event=part_process_terminated part={} pid={} exit={}", name, pid(), process.exitValue());
    return process.exitValue();
  }

  /** Sends SIGKILL and returns the exit code ({@value #SIGKILL_EXIT} unless it had ended already). */
  public int kill() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    if (!process.waitFor(KILL_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException(name + " (pid " + pid() + ") still runs " + KILL_WAIT + " after SIGKILL");
    }
    LOG.info("event=part_process_killed part={} pid={} exit={}", name, pid(), process.exitValue());
    return process.exitValue();
  }

  /**
   * Sends SIGSTOP and returns once every thread of the part has stopped: the part runs no
   * instruction until {@link #resume}; the kernel still queues its input. The signal only starts
   * the stop (each thread stops on its way back to user space), so on a loaded machine a part
   * could still answer a request sent just after {@code kill} returned; waiting on {@code /proc}
   * closes that window (where there is no {@code /proc}, the signal alone).
   */
  public void pause() {
    signal("STOP");
    awaitStopped();
    LOG.info("event=part_process_paused part={} pid={}", name, pid());
  }

  private void awaitStopped() {
    Path tasks = Path.of("/proc", Long.toString(pid()), "task");
    if (!Files.isDirectory(tasks)) {
      return;
    }
    long deadline = System.nanoTime() + KILL_WAIT.toNanos();
    while (process.isAlive() && !allStopped(tasks)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " (pid " + pid() + ") has not stopped " + KILL_WAIT + " after SIGSTOP");
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + name + " to stop", e);
      }
    }
  }

  /** Whether every thread is stopped ('T'), or gone; a thread's state follows its name's closing ')' in its stat line. */
  private static boolean allStopped(Path tasks) {
    try (var threads = Files.list(tasks)) {
      for (Path task : (Iterable<Path>) threads::iterator) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException gone) {
          continue;
        }
        int close = stat.lastIndexOf(')');
        char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
        if (state != 'T' && state != 't' && state != 'Z' && state != 'X') {
          return false;
        }
      }
      return true;
    } catch (IOException gone) {
      return true;
    }
  }

  /** Sends SIGCONT. */
  public void resume() {
    signal("CONT");
    LOG.info("event=part_process_resumed part={} pid={}", name, pid());
  }

  private void signal(String signal) {
    if (!process.isAlive()) {
      return;
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!kill.waitFor(KILL_WAIT.toNanos(), TimeUnit.NANOSECONDS) || kill.exitValue() != 0) {
        // The process may have ended between the check and the signal; only a live one is an error.
        if (process.isAlive()) {
          throw new IllegalStateException("kill -" + signal + " " + pid() + " failed");
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kill -" + signal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted sending SIG" + signal, e);
    }
  }

  // ---------------------------------------------------------------- output and memory

  /**
   * Waits until this process has printed a line matching {@code pattern} on standard output or
   * error, and returns the line. Throws {@link TimeoutException} after {@code timeout}, and
   * {@link IllegalStateException} at once if the process ended without printing one.
   */
  public String awaitLine(Pattern pattern, Duration timeout) throws IOException, InterruptedException,
      TimeoutException {
    OutputScan out = new OutputScan(launch.stdout(), stdoutFrom);
    OutputScan err = new OutputScan(launch.stderr(), stderrFrom);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean ended = !process.isAlive();
      Optional<String> line = out.find(pattern, ended).or(() -> findQuietly(err, pattern, ended));
      if (line.isPresent()) {
        return line.get();
      }
      if (ended) {
        throw new IllegalStateException(name + " exited with " + process.exitValue()
            + " without printing a line matching " + pattern);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new TimeoutException(name + " printed no line matching " + pattern + " within " + timeout);
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  private static Optional<String> findQuietly(OutputScan scan, Pattern pattern, boolean atEnd) {
    try {
      return scan.find(pattern, atEnd);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read a part's output", e);
    }
  }

  /** Resident memory of the process now ({@code VmRSS} in {@code /proc/<pid>/status}); empty once ended. */
  public OptionalLong rssBytes() throws IOException {
    if (!process.isAlive()) {
      // Its pid may already belong to another process.
      return OptionalLong.empty();
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] f = line.substring("VmRSS:".length()).trim().split("\\s+");
          if (f.length != 2 || !f[1].equals("kB")) {
            throw new IOException("unexpected VmRSS line in /proc/" + pid() + "/status: " + line);
          }
          return OptionalLong.of(Long.parseLong(f[0]) * 1024);
        }
      }
      // A zombie has no VmRSS line: it holds no memory any more.
      return OptionalLong.empty();
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    }
  }

  private static long sizeOf(Path file) throws IOException {
    return Files.exists(file) ? Files.size(file) : 0;
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  /**
   * Sends SIGKILL to every process started here that still runs, and to its descendants, without
   * waiting for them to be reaped: the shutdown hook's action, and what a supervisor registers with
   * {@link Termination#beforeHalt} since a halt runs no hook.
   */
  public static void killAll() {
    for (PartProcess p : RUNNING) {
      p.process.descendants().forEach(ProcessHandle::destroyForcibly);
      p.process.destroyForcibly();
    }
  }
}
