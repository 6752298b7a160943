package io.cachet.common.process;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * How a part stops on SIGTERM or SIGINT: it runs its stop once (refuse new work, finish or refuse
 * what is in flight, fsync, close) and exits 0, since a stop asked for and done is a success. The
 * JVM's own handling would exit 143 after shutdown hooks, which a service manager reads as a
 * failure. A second signal while stopping exits at once with 1.
 *
 * <p>Guarantee: the action given to {@link #beforeHalt} runs before either forced exit (the second
 * signal, or a stop that outlasts {@link #STOP_BOUND_MILLIS}). {@code Runtime.halt} runs no
 * shutdown hook, so without it a supervisor's child processes would outlive it.
 */
public final class Termination {
  private static final Logger LOG = LoggerFactory.getLogger(Termination.class);
  /** Longest a stop may take before the process exits anyway. */
  public static final long STOP_BOUND_MILLIS = 30_000;

  /** What runs before a forced exit; by default nothing. */
  private static volatile Runnable lastAction = () -> {};

  private Termination() {}

  /**
   * Registers {@code action} (replacing any earlier one) to run just before the process is halted
   * without its stop finishing: a supervisor passes {@link PartProcess#killAll} so that no part it
   * launched outlives it. It must be quick and must not wait for the stop that is being abandoned.
   */
  public static void beforeHalt(Runnable action) {
    lastAction = action;
  }

  /** Installs the handler for {@code part} (named in the log); {@code stop} runs on its own thread. */
  public static void onSignal(String part, Runnable stop) {
    AtomicBoolean stopping = new AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        if (!stopping.compareAndSet(false, true)) {
          LOG.warn("event={}_stop_forced signal={}", part, signal.getName());
          halt();
          return;
        }
        Thread stopper = new Thread(() -> run(part, signal.getName(), stop), part + "-stop");
        stopper.start();
      });
    }
  }

  private static void run(String part, String signal, Runnable stop) {
    LOG.info("event={}_stopping signal={}", part, signal);
    long start = System.nanoTime();
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(STOP_BOUND_MILLIS);
        LOG.error("event={}_stop_timed_out ms={}", part, STOP_BOUND_MILLIS);
        halt();
      } catch (InterruptedException e) {
        // stopped in time
      }
    }, part + "-stop-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    int code = 0;
    try {
      stop.run();
    } catch (RuntimeException e) {
      LOG.error("event={}_stop_failed reason=\"{}\"", part, e.toString());
      code = 1;
    }
    watchdog.interrupt();
    LOG.info("event={}_stopped ms={}", part, (System.nanoTime() - start) / 1_000_000);
    System.exit(code);
  }

  /** Runs the registered last action, whatever it throws, then exits with 1 at once. */
  private static void halt() {
    try {
      lastAction.run();
    } catch (RuntimeException | Error e) {
      LOG.error("event=last_action_failed reason=\"{}\"", e.toString());
    }
    Runtime.getRuntime().halt(1);
  }
}
