package io.cachet.client;

import io.cachet.common.http.Endpoints;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Requester;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.evm.EvmPolicyChain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;

/**
 * The one place a network descriptor's {@code chain} object becomes a {@link PolicyChain}: the
 * embedded ledger's sequencer, or an EVM chain's stock policy contract.
 */
public final class PolicyChains {
  private PolicyChains() {}

  /**
   * The policy chain {@code config} names, for reading only (policies, the head, what an address
   * manages), with no keystore opened and no passphrase asked. Its identity is a key made for this
   * call and dropped with it: it owns and administers nothing, so a change to any policy through it
   * is refused (and on an EVM chain it holds no ether for gas). Callers only read through it. The
   * caller closes the chain.
   *
   * @throws java.io.UncheckedIOException if an EVM chain's RPC does not answer
   */
  public static PolicyChain openForReading(ClientConfig config) {
    SecureRandom random = new SecureRandom();
    return switch (config.chain().kind()) {
      case EMBEDDED -> {
        Identity nobody = Identity.generate(random);
        yield EmbeddedPolicyChain.open(config, nobody);
      }
      case EVM -> {
        EvmIdentity nobody = EvmIdentity.generate(random);
        try {
          yield open(config, nobody);
        } finally {
          nobody.destroy();
        }
      }
    };
  }

  /**
   * The policy chain {@code config} names, written to as {@code who} (which the caller keeps
   * owning): on the embedded ledger an Ed25519 {@link Identity}, on an EVM chain an {@link EvmIdentity}. The caller closes the chain.
   *
   * @throws IllegalArgumentException if {@code who} is not the kind of identity the chain signs with
   * @throws java.io.UncheckedIOException if an EVM chain's RPC does not answer
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
      case EVM -> {
        if (!(who instanceof EvmIdentity evm)) {
          throw new IllegalArgumentException("an EVM chain takes an EVM identity (secp256k1); " + who.address()
              + " is not one: create one with 'cachet id new NAME --evm', or pick one with --as");
        }
        ChainDescriptor c = config.chain();
        try {
          yield new EvmPolicyChain(evm.credentials(), c.chainId(), c.rpcUrl(), c.policies());
        } catch (IOException e) {
          throw new UncheckedIOException("the EVM chain at " + c.rpcWhere()
              + " did not answer: " + Endpoints.redact(e.getMessage()), e);
        }
      }
    };
  }
}
