package io.cachet.client;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;

/**
 * A put named a policy the ledger does not have. Refused before anything is sealed or stored:
 * every key server would deny every share of such a blob, so nobody, its owner included, could
 * ever open it. The reason is {@code UNKNOWN_POLICY}.
 */
public final class UnknownPolicyException extends CachetSecurityException {
  /** The stable reason code, the same the ledger and the key servers use for an unknown policy. */
  public static final String REASON = "UNKNOWN_POLICY";

  private final PolicyId policy;

  UnknownPolicyException(PolicyId policy, String ledgerId) {
    super(REASON, "no policy " + policy + " on ledger '" + ledgerId + "': nothing was sealed or stored, since"
        + " nobody, its owner included, could ever open a blob sealed under it");
    this.policy = policy;
  }

  /** A policy an app's contract does not answer for: {@code why} says what the contract did. */
  UnknownPolicyException(PolicyId policy, String ledgerId, String why) {
    super(REASON, "no policy " + policy + " on ledger '" + ledgerId + "' (" + why + "): nothing was sealed or"
        + " stored, since nobody, its owner included, could ever open a blob sealed under it");
    this.policy = policy;
  }

  public PolicyId policy() {
    return policy;
  }
}
