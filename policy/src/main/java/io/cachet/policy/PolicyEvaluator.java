package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;

/**
 * The one evaluation function: key servers and tests share it, so "allowed" means the same thing
 * everywhere. Pure: the policy, the requester, and the ledger time and height to decide at.
 *
 * <p>Boundaries: an allow-list member is allowed when {@code notBefore <= time < notAfter}; a
 * time lock opens when {@code time >= unlockAt}.
 */
public final class PolicyEvaluator {
  private PolicyEvaluator() {}

  /** {@code policy} may be null: the id was not found on the ledger. */
  public static Decision evaluate(PolicyId id, Policy policy, Address requester, long ledgerTime, long height) {
    if (policy == null) {
      return deny(id, requester, Reason.UNKNOWN_POLICY, "no policy " + id + " on the ledger", ledgerTime, height);
    }
    if (policy instanceof TimeLock lock) {
      return ledgerTime >= lock.unlockAt()
          ? allow(id, requester, "time lock opened at " + at(lock.unlockAt()), ledgerTime, height)
          : deny(id, requester, Reason.LOCKED, "time lock opens at " + at(lock.unlockAt())
              + "; ledger time is " + at(ledgerTime), ledgerTime, height);
    }
    AllowList list = (AllowList) policy;
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
    return allow(id, requester, "member of allow-list " + id, ledgerTime, height);
  }

  /** Ledger time (epoch milliseconds) as a person reads it, in UTC: the refusals are shown to people. */
  private static String at(long epochMillis) {
    return java.time.Instant.ofEpochMilli(epochMillis).toString();
  }

  private static Decision allow(PolicyId id, Address who, String message, long time, long height) {
    return new Decision(id, who, true, Reason.ALLOWED, message, height, time);
  }

  private static Decision deny(PolicyId id, Address who, Reason reason, String message, long time, long height) {
    return new Decision(id, who, false, reason, message, height, time);
  }
}
