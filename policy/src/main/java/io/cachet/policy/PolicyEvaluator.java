package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import java.time.Instant;

/**
 * The one evaluation function: key servers and tests share it, so "allowed" means the same thing
 * everywhere. Pure: the policy, the requester, the ledger time and height to decide at, and the
 * evaluating server's clock.
 *
 * <p>Time rules: what opens access is judged on ledger time alone (a time lock opens when
 * {@code ledgerTime >= unlockAt}; a member's window starts when {@code ledgerTime >= notBefore}),
 * so no server's clock opens anything early. What ends access is judged at the later of ledger
 * time and the server's clock ({@code max(ledgerTime, clock) >= notAfter} is expired), so a
 * ledger that stopped producing blocks cannot stretch a grant past its end. A member is therefore
 * allowed when {@code notBefore <= ledgerTime} and {@code max(ledgerTime, clock) < notAfter}.
 */
public final class PolicyEvaluator {
  private PolicyEvaluator() {}

  /**
   * Decides as the ledger alone sees it, with no server clock: the evaluator's clock is taken to
   * be ledger time. What the sequencer and a replay of the chain decide.
   */
  public static Decision evaluate(PolicyId id, Policy policy, Address requester, long ledgerTime, long height) {
    return evaluate(id, policy, requester, ledgerTime, ledgerTime, height);
  }

  /**
   * Decides at {@code ledgerTime} and {@code height}, ending windows at the later of ledger time
   * and {@code clockMillis} (the evaluating server's clock, epoch milliseconds). {@code policy}
   * may be null: the id was not found on the ledger. The decision reports the ledger time and
   * height; its message names the clock when the clock is what ended a window.
   */
  public static Decision evaluate(PolicyId id, Policy policy, Address requester, long ledgerTime, long clockMillis,
      long height) {
    if (policy == null) {
      return deny(id, requester, Reason.UNKNOWN_POLICY, "no policy " + id + " on the ledger", ledgerTime, height);
    }
    if (policy instanceof TimeLock lock) {
      return ledgerTime >= lock.unlockAt()
          ? allow(id, requester, "time lock opened at " + at(lock.unlockAt()), ledgerTime, height)
          : deny(id, requester, Reason.LOCKED, "time lock opens at " + at(lock.unlockAt())
              + "; ledger time is " + at(ledgerTime), ledgerTime, height);
    }
    if (!(policy instanceof AllowList list)) {
      return deny(id, requester, Reason.UNKNOWN_POLICY, "policy " + id + " is a kind the embedded ledger does not"
          + " decide", ledgerTime, height);
    }
    Window w = list.members().get(requester);
    if (w == null) {
      return deny(id, requester, Reason.NOT_A_MEMBER, requester + " is not on allow-list " + id, ledgerTime, height);
    }
    if (ledgerTime < w.notBefore()) {
      return deny(id, requester, Reason.NOT_YET_VALID, "access starts at " + at(w.notBefore())
          + "; ledger time is " + at(ledgerTime), ledgerTime, height);
    }
    if (ledgerTime >= w.notAfter()) {
      return deny(id, requester, Reason.EXPIRED, "access ended at " + at(w.notAfter())
          + "; ledger time is " + at(ledgerTime), ledgerTime, height);
    }
    if (clockMillis >= w.notAfter()) {
      return deny(id, requester, Reason.EXPIRED, "access ended at " + at(w.notAfter())
          + "; this server's clock is " + at(clockMillis) + " (ledger time " + at(ledgerTime)
          + ": a window ends at the later of the two)", ledgerTime, height);
    }
    return allow(id, requester, "member of allow-list " + id, ledgerTime, height);
  }

  /** Epoch milliseconds as a person reads them, in UTC: the refusals are shown to people. */
  private static String at(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis).toString();
  }

  private static Decision allow(PolicyId id, Address who, String message, long time, long height) {
    return new Decision(id, who, true, Reason.ALLOWED, message, height, time);
  }

  private static Decision deny(PolicyId id, Address who, Reason reason, String message, long time, long height) {
    return new Decision(id, who, false, reason, message, height, time);
  }
}
