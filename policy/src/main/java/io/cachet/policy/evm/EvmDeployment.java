package io.cachet.policy.evm;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.utils.Numeric;

/**
 * Deploys Cachet's contracts, {@code CachetPolicies} and {@code BlobRegistry}, from a funded key
 * (the deployer becomes the blob registry's operator). The devnet and the tests use it; on a
 * public chain any deployment tool that sends the committed bytecode does the same
 * (docs/CONTRACTS.md).
 */
public final class EvmDeployment {
  /**
   * The addresses of one deployment, and a block at or before it: where scans of the contracts'
   * events may start (0 when not known).
   */
  public record Addresses(Address policies, Address blobRegistry, long deployBlock) {
    public Addresses {
      Objects.requireNonNull(policies, "policies");
      Objects.requireNonNull(blobRegistry, "blobRegistry");
      if (deployBlock < 0) {
        throw new IllegalArgumentException("deployBlock must not be negative, was " + deployBlock);
      }
    }

    /** A deployment whose block is not known: scans start at block 0. */
    public Addresses(Address policies, Address blobRegistry) {
      this(policies, blobRegistry, 0);
    }
  }

  private EvmDeployment() {}

  /**
   * Deploys both contracts to the chain at {@code rpcUrl}, which must report {@code chainId}.
   *
   * @throws IOException if the chain is unreachable or is another chain
   */
  public static Addresses deploy(URI rpcUrl, long chainId, Credentials deployer)
      throws IOException, CachetSecurityException {
    Web3j web3j = EvmRpcClient.connect(rpcUrl);
    try {
      EvmTransactions tx = new EvmTransactions(web3j, deployer, chainId);
      tx.checkChainId();
      // the head before the first deployment: its block can only be later
      long before = web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
      Address policies = deploy(tx, Contracts.stock(), "CachetPolicies");
      Address registry = deploy(tx, Contracts.stock(), "BlobRegistry");
      return new Addresses(policies, registry, before);
    } finally {
      web3j.shutdown();
    }
  }

  /** Deploys the contract {@code name} of {@code contracts} (no constructor arguments). */
  static Address deploy(EvmTransactions tx, Contracts contracts, String name) throws IOException, CachetSecurityException {
    return evmAddress(tx.deploy(contracts.artifact(name).bytecode(), name));
  }

  /** An {@link Address} from web3j's {@code 0x} + 40 hex. */
  static Address evmAddress(String hex) {
    return Address.ofEvm(Numeric.toBytesPadded(Numeric.toBigInt(hex), Address.EVM_LENGTH));
  }
}
