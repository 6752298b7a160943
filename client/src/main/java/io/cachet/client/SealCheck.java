package io.cachet.client;

import io.cachet.crypto.Address;
import io.cachet.policy.Composite;
import io.cachet.policy.Decision;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicyEvaluator;
import io.cachet.policy.TokenGate;
import java.util.List;

/**
 * What a putter is told before their file is sealed under a policy: whether they could open it
 * themselves now, judged by the one evaluation the key servers use, at the ledger's time.
 *
 * <p>Only a warning: sealing for others (a drop box, an embargoed release) is a legitimate use,
 * so nothing here refuses. The unknown-policy refusal is the caller's, before this is asked.
 */
final class SealCheck {
  private SealCheck() {}

  /** The warnings for {@code putter} sealing under {@code policy} at ledger time {@code ledgerTime}; empty if none. */
  static List<SealWarning> warnings(Policy policy, Address putter, long ledgerTime, long height) {
    if (policy instanceof TokenGate || policy instanceof Composite) {
      // balances and other contracts' answers are the chain's to judge: no guess here
      return List.of();
    }
    Decision d = PolicyEvaluator.evaluate(policy.id(), policy, putter, ledgerTime, height);
    if (d.allowed()) {
      return List.of();
    }
    return List.of(new SealWarning(d.reason().name(), "you cannot open what you seal now: " + d.message()));
  }
}
