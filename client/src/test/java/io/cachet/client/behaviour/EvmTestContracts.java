package io.cachet.client.behaviour;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmIdentity;
import io.cachet.policy.evm.Anvil;
import io.cachet.policy.evm.Contracts;
import io.cachet.policy.evm.EvmTestChain;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;

/**
 * The policy module's test tokens (OpenZeppelin ERC-721 and ERC-20, {@code test-contracts.json})
 * on a test chain: deployed and minted by anvil's dev account 0, moved by their holders.
 */
final class EvmTestContracts implements AutoCloseable {
  /** The compiled test tokens in the policy module's test resources. */
  private static final String RESOURCE = "/io/cachet/policy/evm/test-contracts.json";
  /** Gas for a test transaction or deployment; the tokens need well under this. */
  private static final BigInteger GAS_LIMIT = BigInteger.valueOf(5_000_000);
  /** Receipt polls before giving up (automining answers on the first). */
  private static final int RECEIPT_POLLS = 600;

  private final EvmTestChain chain;
  private final Web3j web3j;

  EvmTestContracts(EvmTestChain chain) {
    this.chain = chain;
    this.web3j = Web3j.build(new HttpService(chain.rpcUrl().toString()));
  }

  /** Deploys test contract {@code name} as dev account 0; its address. */
  Address deploy(String name) throws IOException {
    String code = Contracts.fromResource(RESOURCE).artifact(name).bytecode();
    String address = transact(Credentials.create(Anvil.DEV_KEYS.get(0)), null, code).getContractAddress();
    try {
      return Address.parse(address);
    } catch (io.cachet.crypto.FormatException e) {
      throw new IOException("the node answered a bad contract address", e);
    }
  }

  /** {@code token.mint(to, amountOrId)} as dev account 0, the tokens' owner; the block it is in. */
  long mint(Address token, Address to, long amountOrId) throws IOException {
    return chain.send(token, new Function("mint", List.<Type>of(abi(to), new Uint256(amountOrId)), List.of()));
  }

  /** {@code nft.transferFrom(holder, to, id)} signed by the holder, funded first; the block it is in. */
  long transferNft(Address nft, EvmIdentity holder, Address to, long id) throws IOException {
    chain.rpc("anvil_setBalance", holder.address().evmHex(), EvmBehaviourNetwork.FUNDS);
    Function f = new Function("transferFrom", List.<Type>of(abi(holder.address()), abi(to), new Uint256(id)),
        List.of());
    return transact(holder.credentials(), nft.evmHex(), FunctionEncoder.encode(f)).getBlockNumber().longValueExact();
  }

  private static org.web3j.abi.datatypes.Address abi(Address a) {
    return new org.web3j.abi.datatypes.Address(a.evmHex());
  }

  private TransactionReceipt transact(Credentials from, String to, String data) throws IOException {
    RawTransactionManager tx = new RawTransactionManager(web3j, from, chain.chainId());
    BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice().multiply(BigInteger.TWO);
    EthSendTransaction sent = tx.sendTransaction(gasPrice, GAS_LIMIT, to, data, BigInteger.ZERO);
    if (sent.hasError()) {
      throw new IOException("transaction refused: " + sent.getError().getMessage());
    }
    for (int i = 0; i < RECEIPT_POLLS; i++) {
      Optional<TransactionReceipt> r = web3j.ethGetTransactionReceipt(sent.getTransactionHash()).send()
          .getTransactionReceipt();
      if (r.isPresent()) {
        if (!r.get().isStatusOK()) {
          throw new IOException("transaction failed: " + r.get().getStatus());
        }
        return r.get();
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    throw new IOException("no receipt for " + sent.getTransactionHash());
  }

  @Override
  public void close() {
    web3j.shutdown();
  }
}
