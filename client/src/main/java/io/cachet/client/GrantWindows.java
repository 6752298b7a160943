package io.cachet.client;

import io.cachet.policy.PolicyChain;
import io.cachet.policy.Window;
import java.io.IOException;
import java.time.Clock;

/**
 * The check a grant's window passes before it is signed: it must end after it starts, and, unless
 * the caller accepts ended windows, end after now.
 *
 * <p>"Now" is the ledger's time (its head block's timestamp) when the ledger answers, else this
 * machine's clock. The ledger's time is what key servers judge by and what the transaction will be
 * ordered at; a laptop's clock may be off by minutes. Without a ledger answer the grant cannot be
 * submitted anyway, so the local clock only shapes the error a person sees.
 */
public final class GrantWindows {
  private GrantWindows() {}

  /**
   * Throws {@link GrantWindowException} if {@code window} grants nothing now: judged by {@code
   * chain}'s head time, or by {@code clock} if the chain does not answer (the write that follows
   * then reports the chain's failure). Signs nothing.
   */
  public static void check(PolicyChain chain, Window window, EndedWindows ended, Clock clock) {
    long now = clock.millis();
    String whose = "this machine's clock";
    if (window.isValid() && ended == EndedWindows.REFUSE) {
      try {
        now = chain.head().timeMillis();
        whose = "ledger time";
      } catch (IOException e) {
        // the local clock judges
      }
    }
    check(window, ended, now, whose);
  }

  /**
   * Throws {@link GrantWindowException} if {@code window} grants nothing at {@code now}.
   *
   * @param clockName whose time {@code now} is ("ledger time", "this machine's clock"), for the message
   */
  static void check(Window window, EndedWindows ended, long now, String clockName) {
    if (!window.isValid()) {
      throw GrantWindowException.inverted(window);
    }
    if (ended == EndedWindows.REFUSE && window.notAfter() <= now) {
      throw GrantWindowException.ended(window, now, clockName);
    }
  }
}
