package io.cachet.cli.agent;

import java.io.InterruptedIOException;
import java.util.concurrent.Callable;

/**
 * Whether the command running on this thread runs inside an agent, and which identities that
 * agent holds. A command run in the caller's own process sees null: it never uses another
 * process's keys, and a test JVM that hosts an agent does not lend its keys to its other runs.
 */
public final class InAgent {
  private static final ThreadLocal<HeldIdentities> HELD = new ThreadLocal<>();

  private InAgent() {}

  /** The identities of the agent running this command, or null outside an agent. */
  public static HeldIdentities held() {
    return HELD.get();
  }

  /**
   * Throws when the caller of the command on this thread has gone away (its agent connection
   * closed, so the agent interrupted this thread): called before a command makes a change the
   * caller can no longer see or stop, such as putting a file in place. Outside an agent the
   * caller is this process, so an interrupt there means the same.
   */
  public static void stopIfCallerLeft() throws InterruptedIOException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException("the caller went away; the command stopped before changing anything more");
    }
  }

  /**
   * Runs {@code body} on this thread as a command of a holder of {@code held}: {@code cachet
   * agent}, or {@code cachet console}, which runs commands for its browser the same way.
   */
  public static <T> T run(HeldIdentities held, Callable<T> body) throws Exception {
    HELD.set(held);
    try {
      return body.call();
    } finally {
      HELD.remove();
    }
  }
}
