package io.cachet.policy;

import io.cachet.crypto.Names;
import io.cachet.crypto.PolicyId;
import java.util.Objects;

/**
 * A policy as an envelope names it: the ledger id ({@code cachet-devnet}, or
 * {@code eip155:<chain id>:<contract>} for a policy contract on an EVM chain) and the policy's id
 * within it. A composite policy names its parts this way, so a part may live in another contract.
 */
public record PolicyRef(String ledgerId, PolicyId policyId) {
  public PolicyRef {
    Names.check(ledgerId, "ledgerId");
    Objects.requireNonNull(policyId, "policyId");
  }

  @Override
  public String toString() {
    return ledgerId + "/" + policyId;
  }
}
