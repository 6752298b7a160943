package io.cachet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.crypto.Address;
import io.cachet.policy.evm.EvmRpcClient;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * The ERC-721 the EVM demo gates on: the tests' {@code TestNft} (OpenZeppelin's ERC-721, its
 * deployer mints), its committed bytecode copied into {@code demo-nft.json}. Deployed, minted and
 * transferred through web3j; for the demo's local chain only.
 */
final class DemoNft implements AutoCloseable {
  /** Gas for any one of the demo NFT's transactions (deployment is the largest, about 1.3 M). */
  private static final BigInteger GAS_LIMIT = BigInteger.valueOf(3_000_000);
  /** Anvil's base fee starts at 1 gwei; this pays it with room to spare. */
  private static final BigInteger GAS_PRICE = BigInteger.valueOf(10_000_000_000L);

  private final Web3j web3j;
  private final long chainId;
  private final String contract;

  private DemoNft(Web3j web3j, long chainId, String contract) {
    this.web3j = web3j;
    this.chainId = chainId;
    this.contract = contract;
  }

  /** Deploys a fresh NFT contract from {@code owner}, who alone may mint. */
  static DemoNft deploy(URI rpcUrl, long chainId, Credentials owner) throws IOException {
    Web3j web3j = EvmRpcClient.connect(rpcUrl);
    try {
      TransactionReceipt r = send(web3j, chainId, owner, "", bytecode());
      return new DemoNft(web3j, chainId, r.getContractAddress());
    } catch (IOException | RuntimeException e) {
      web3j.shutdown();
      throw e;
    }
  }

  Address address() {
    try {
      return Address.parse(contract);
    } catch (io.cachet.crypto.FormatException e) {
      throw new IllegalStateException("the node reported a malformed contract address", e);
    }
  }

  /** Mints token {@code id} to {@code to}, as the owner; returns the block holding it. */
  long mint(Credentials owner, Address to, long id) throws IOException {
    return call(owner, new Function("mint", List.of(new org.web3j.abi.datatypes.Address(to.evmHex()),
        new Uint256(id)), List.of()));
  }

  /** Moves token {@code id} from its holder {@code from} to {@code to}; returns the block holding it. */
  long transfer(Credentials from, Address to, long id) throws IOException {
    return call(from, new Function("transferFrom", List.of(new org.web3j.abi.datatypes.Address(from.getAddress()),
        new org.web3j.abi.datatypes.Address(to.evmHex()), new Uint256(id)), List.of()));
  }

  private long call(Credentials who, Function f) throws IOException {
    return send(web3j, chainId, who, contract, FunctionEncoder.encode(f)).getBlockNumber().longValueExact();
  }

  private static TransactionReceipt send(Web3j web3j, long chainId, Credentials who, String to, String data)
      throws IOException {
    RawTransactionManager tm = new RawTransactionManager(web3j, who, chainId);
    EthSendTransaction sent = tm.sendTransaction(GAS_PRICE, GAS_LIMIT, to, data, BigInteger.ZERO);
    if (sent.hasError()) {
      throw new IOException("the chain refused the demo NFT's transaction: " + sent.getError().getMessage());
    }
    TransactionReceipt r;
    try {
      r = new PollingTransactionReceiptProcessor(web3j, 200, 150).waitForTransactionReceipt(sent.getTransactionHash());
    } catch (org.web3j.protocol.exceptions.TransactionException e) {
      throw new IOException("the demo NFT's transaction was not mined: " + e.getMessage(), e);
    }
    if (!r.isStatusOK()) {
      throw new IOException("the demo NFT's transaction reverted");
    }
    return r;
  }

  private static String bytecode() throws IOException {
    try (InputStream in = DemoNft.class.getResourceAsStream("demo-nft.json")) {
      if (in == null) {
        throw new IOException("demo-nft.json is missing from the command's jar");
      }
      return new ObjectMapper().readTree(in).get("bytecode").asText();
    }
  }

  @Override
  public void close() {
    web3j.shutdown();
  }
}
