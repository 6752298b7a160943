package io.cachet.cli.devnet;

import io.cachet.cli.network.NetworkLayout;
import io.cachet.common.process.PartLaunch;
import io.cachet.common.process.PartProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * One part of a process devnet and the OS process that serves it, if any. It never restarts a part
 * on its own: a part that dies (a crash, the OOM killer, a signal from elsewhere) shows as
 * {@code exited (code N)} until someone starts it, since watching failures is the point of the
 * mode. Every method that changes the part is synchronized: the daemon and its shutdown may reach
 * one part at once.
 *
 * <p>Lock order: a supervisor's lock may be held while taking {@link ProcessDevnet}'s (a launch
 * records the new pid), never the other way round. {@link #pidIfRunning} and {@link #killNow}
 * take no lock (they read the volatile {@link #process}), so {@link ProcessDevnet}'s record,
 * which holds its own lock and asks every supervisor for its pid, cannot wait on a supervisor
 * whose launch waits on it: the two locks form no cycle.
 */
final class PartSupervisor {
  /** What a part prints once it listens. */
  static final Pattern SERVING = Pattern.compile("event=\\w+_serving");
  /** Lines of a part's output quoted when it fails to start. */
  private static final int TAIL_LINES = 15;

  /** Why a process is no longer running, as far as the devnet knows. */
  private enum Ending {
    /** Not ended: running, or never started. */
    NONE,
    /** {@code stop}: SIGTERM. */
    STOPPED,
    /** {@code stop --kill}: SIGKILL. */
    KILLED
  }

  private final NetworkLayout.Part part;
  private final PartLaunch launch;
  /** The latest process; written under this object's lock, read without it by the lock-free methods. */
  private volatile PartProcess process;
  private volatile Ending ending = Ending.NONE;

  /** Supervises {@code part}, run as {@code launch} says. */
  PartSupervisor(NetworkLayout.Part part, PartLaunch launch) {
    this.part = part;
    this.launch = launch;
  }

  String name() {
    return part.name();
  }

  NetworkLayout.Part part() {
    return part;
  }

  /** The running process's pid; empty when none runs. Takes no lock (see the class's lock order). */
  OptionalLong pidIfRunning() {
    PartProcess p = process;
    return p != null && p.isAlive() ? OptionalLong.of(p.pid()) : OptionalLong.empty();
  }

  /**
   * Sends SIGKILL to the process if it runs, without waiting for this supervisor's lock, which a
   * start may hold for as long as its wait: what a stop past its deadline does with what is left.
   */
  void killNow() throws InterruptedException {
    PartProcess p = process;
    if (p != null && p.isAlive()) {
      p.kill();
      ending = Ending.KILLED;
    }
  }

  /**
   * Starts the part from its files unless it runs, and waits until it serves.
   *
   * @param onStarted told of the new process before the wait, so it is recorded even if this JVM
   *     dies while the part starts
   * @throws PartDidNotStartException if it exits or stays silent for {@code timeout}; its output's end
   *     is in the message
   * @throws IOException if its process cannot be launched
   */
  synchronized void start(Duration timeout, Runnable onStarted) throws IOException, InterruptedException {
    if (launch(onStarted)) {
      awaitServing(timeout);
    }
  }

  /** Launches the part's process unless one runs; true if it launched one. */
  synchronized boolean launch(Runnable onStarted) throws IOException {
    if (process != null && process.isAlive()) {
      return false;
    }
    process = PartProcess.start(part.name(), launch);
    ending = Ending.NONE;
    onStarted.run();
    return true;
  }

  /** Waits until the launched process serves; kills it and throws if it exits or stays silent for {@code timeout}. */
  synchronized void awaitServing(Duration timeout) throws IOException, InterruptedException {
    try {
      process.awaitLine(SERVING, timeout);
    } catch (TimeoutException | IllegalStateException e) {
      process.kill();
      ending = Ending.KILLED;
      throw new PartDidNotStartException(part.name() + " did not start: " + e.getMessage()
          + "; the end of its output:\n"
          + tail(launch.stdout()) + "\n" + tail(launch.stderr()), e);
    }
  }

  /**
   * Sends SIGTERM and waits up to {@code grace} for the exit code, which is returned (0 is a clean
   * stop). A part that is not running is left as it is and its last exit code returned.
   */
  synchronized int stop(Duration grace) throws InterruptedException {
    if (process == null) {
      return 0;
    }
    if (!process.isAlive()) {
      return process.exitCode().orElse(0);
    }
    try {
      int code = process.terminate(grace);
      ending = Ending.STOPPED;
      return code;
    } catch (TimeoutException e) {
      // terminate killed it: what a person sees is that it had to be killed
      ending = Ending.KILLED;
      return process.exitCode().orElse(PartProcess.SIGKILL_EXIT);
    }
  }

  /** Sends SIGKILL and returns the exit code ({@value PartProcess#SIGKILL_EXIT} unless it had ended). */
  synchronized int kill() throws InterruptedException {
    if (process == null) {
      return 0;
    }
    if (!process.isAlive()) {
      return process.exitCode().orElse(0);
    }
    int code = process.kill();
    ending = Ending.KILLED;
    return code;
  }

  /**
   * {@code running}, {@code stopped}, {@code killed} or {@code exited (code N)}; {@code not started}
   * before any start.
   */
  synchronized String state() {
    if (process == null) {
      return "not started";
    }
    if (process.isAlive()) {
      return "running";
    }
    int code = process.exitCode().orElse(-1);
    return switch (ending) {
      case STOPPED -> code == 0 ? "stopped" : "exited (code " + code + ")";
      case KILLED -> "killed";
      case NONE -> "exited (code " + code + ")";
    };
  }

  /** The part as {@code status} lists it, {@code health} being what its own port answered at /health. */
  JsonObject status(String health) {
    JsonObject o;
    synchronized (this) {
      o = new JsonObject().put("name", part.name()).put("kind", part.kind().command()).put("state", state())
          .put("running", process != null && process.isAlive()).put("url", part.url());
      if (process != null) {
        o.put("pid", process.pid());
        process.exitCode().ifPresent(c -> o.put("exitCode", c));
      }
    }
    return o.put("health", health).put("output", launch.stdout().toString());
  }

  private static String tail(Path file) {
    try {
      List<String> all = Files.exists(file) ? Files.readAllLines(file) : List.of();
      return String.join("\n", all.subList(Math.max(0, all.size() - TAIL_LINES), all.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
