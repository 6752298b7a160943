package io.cachet.client;

import io.cachet.crypto.Identity;
import io.cachet.crypto.Requester;
import io.cachet.policy.PolicyChain;

/**
 * The one place a network descriptor's {@code chain} object becomes a {@link PolicyChain}: the
 * embedded ledger's sequencer, or an EVM chain's stock policy contract.
 */
public final class PolicyChains {
  private PolicyChains() {}

  /**
   * The policy chain {@code config} names, written to as {@code who} (which the caller keeps
   * owning): on the embedded ledger an Ed25519 {@link Identity}. The caller closes the chain.
   *
   * @throws IllegalArgumentException if {@code who} is not the kind of identity the chain signs with
   * @throws UnsupportedOperationException for an EVM chain, until its implementation is wired here
   */
  public static PolicyChain open(ClientConfig config, Requester who) {
    return switch (config.chain().kind()) {
      case EMBEDDED -> {
        if (!(who instanceof Identity identity)) {
          throw new IllegalArgumentException("the embedded ledger takes an Ed25519 identity; " + who.address()
              + " is not one");
        }
        yield EmbeddedPolicyChain.open(config, identity);
      }
      case EVM -> throw new UnsupportedOperationException("EVM chains are wired by the lead");
    };
  }
}
