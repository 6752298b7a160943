package io.cachet.client;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Requester;
import io.cachet.policy.Composite;
import io.cachet.policy.Decision;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicyEvaluator;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.TokenGate;
import io.cachet.policy.evm.EvmPolicyChain;
import java.io.IOException;
import java.util.List;

/**
 * What is checked before a file is sealed under a policy. Refused: a policy nobody could ever
 * open under (not on the chain; an app's contract that is not there or does not answer as a
 * Cachet policy). Warned: the putter could not open it themselves now, judged by the one
 * evaluation the key servers use, at the ledger's time; only a warning, since sealing for others
 * (a drop box, an embargoed release) is a legitimate use.
 */
final class SealCheck {
  private SealCheck() {}

  /** The checks for {@code requester} putting under {@code policy} on {@code chain}: throws if refused, else the warnings. */
  static List<SealWarning> beforeSealing(ClientConfig config, PolicyChain chain, Requester requester, PolicyRef policy)
      throws IOException, CachetSecurityException {
    if (policy.ledgerId().equals(chain.envelopeLedgerId())) {
      return checkOwnPolicy(chain, requester, policy.policyId());
    }
    checkForeignContract(config, chain, requester, policy);
    return List.of();
  }

  /**
   * Another contract than the stock one may hold the policy only on an EVM chain, only on this
   * client's, and only if it answers {@code canRead} for the policy as a Cachet policy does: a typo
   * in its address would otherwise seal a file nobody can ever open.
   */
  private static void checkForeignContract(ClientConfig config, PolicyChain chain, Requester requester,
      PolicyRef policy) throws IOException, CachetSecurityException {
    String ledgerId = policy.ledgerId();
    if (!config.chain().isEvm()) {
      throw new IllegalArgumentException("an envelope names this network's ledger '" + chain.envelopeLedgerId()
          + "'; a policy contract (" + ledgerId + ") needs an EVM chain");
    }
    EvmLedgerId contract;
    try {
      contract = EvmLedgerId.parse(ledgerId);
    } catch (FormatException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (contract.chainId() != config.chain().chainId()) {
      throw new IllegalArgumentException("the policy contract " + ledgerId + " is on chain " + contract.chain()
          + ", not on this network's " + EvmLedgerId.chain(config.chain().chainId()));
    }
    if (chain instanceof EvmPolicyChain evm) {
      try {
        evm.canRead(contract.contract(), policy.policyId(), requester.address());
      } catch (CachetSecurityException e) {
        throw new UnknownPolicyException(policy.policyId(), ledgerId, e.getMessage());
      }
    }
  }

  /**
   * The policy must be on the chain, else nobody could ever open what is sealed under it; and
   * whether this identity could open it now, judged at the chain's head.
   */
  private static List<SealWarning> checkOwnPolicy(PolicyChain chain, Requester requester, PolicyId id)
      throws IOException, CachetSecurityException {
    Policy found;
    try {
      found = chain.policy(id);
    } catch (CachetSecurityException e) {
      if (UnknownPolicyException.REASON.equals(e.reason())) {
        throw new UnknownPolicyException(id, chain.envelopeLedgerId());
      }
      throw e;
    }
    PolicyChain.Head head = chain.head();
    return warnings(found, requester.address(), head.timeMillis(), head.height());
  }


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
