package io.cachet.cli.agent;

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

  static <T> T run(HeldIdentities held, Callable<T> body) throws Exception {
    HELD.set(held);
    try {
      return body.call();
    } finally {
      HELD.remove();
    }
  }
}
