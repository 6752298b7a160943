package io.cachet.policy.evm;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;

/**
 * A real anvil chain for tests, with the test policy contracts of
 * {@code policy/src/test/solidity/testpolicy} compiled (once per JVM) and deployable, transactions
 * signed with web3j by anvil's first dev account, and anvil's own RPC methods (mine, snapshot,
 * revert, reorg, next block time) at hand.
 */
public final class EvmTestChain implements AutoCloseable {
  /** Gas for test transactions: a deployment of the test contracts needs well under this. */
  private static final BigInteger GAS_LIMIT = BigInteger.valueOf(3_000_000);
  private static JsonObject artifacts;

  private final Anvil anvil;
  private final Web3j web3j;
  private final RawTransactionManager tx;
  private final HttpClient http = HttpClient.newHttpClient();

  private EvmTestChain(Anvil anvil) {
    this.anvil = anvil;
    this.web3j = Web3j.build(new HttpService(anvil.rpcUrl().toString()));
    this.tx = new RawTransactionManager(web3j, Credentials.create(Anvil.DEV_KEYS.get(0)), anvil.chainId());
  }

  public static EvmTestChain start(Anvil.Options options) throws IOException {
    return new EvmTestChain(Anvil.start(options));
  }

  public static EvmTestChain start() throws IOException {
    return start(Anvil.Options.defaults());
  }

  /** The repository root ({@link Anvil#checkout}), where the contract compiler runs. */
  public static Path repositoryRoot() {
    Path root = Anvil.checkout(Path.of(""));
    if (root == null) {
      throw new IllegalStateException("no Cachet checkout (package.json and package-lock.json) above "
          + Path.of("").toAbsolutePath());
    }
    return root;
  }

  /** The compiled interface and test contracts, {Name: {abi, bytecode}}; compiled once per JVM. */
  public static synchronized JsonObject artifacts() throws IOException {
    if (artifacts == null) {
      Path root = repositoryRoot();
      Process p = new ProcessBuilder("node", "policy/tools/compile-contracts.cjs", "policy/src/main/solidity",
          "policy/src/test/solidity/testpolicy").directory(root.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      byte[] out = p.getInputStream().readAllBytes();
      try {
        if (p.waitFor() != 0) {
          throw new IOException("compiling the test contracts failed (exit " + p.exitValue() + ")");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      artifacts = new JsonObject(new String(out, StandardCharsets.UTF_8)).getJsonObject("contracts");
    }
    return artifacts;
  }

  public Anvil anvil() {
    return anvil;
  }

  public URI rpcUrl() {
    return anvil.rpcUrl();
  }

  public long chainId() {
    return anvil.chainId();
  }

  /** Deploys the named test contract; its address. */
  public Address deploy(String name) throws IOException {
    String bytecode = artifacts().getJsonObject(name).getString("bytecode");
    TransactionReceipt r = transact(null, bytecode);
    try {
      return Address.parse(r.getContractAddress());
    } catch (io.cachet.crypto.FormatException e) {
      throw new IOException("the node answered a bad contract address", e);
    }
  }

  /** Sends {@code fn} to {@code contract} in one mined block; that block's number. */
  public long send(Address contract, Function fn) throws IOException {
    return transact(contract.evmHex(), FunctionEncoder.encode(fn)).getBlockNumber().longValueExact();
  }

  /** {@code SettablePolicy.set}: what canRead answers for (policy, reader) from the block it is mined in. */
  public long set(Address contract, PolicyId policy, Address reader, int reason, BigInteger validUntil)
      throws IOException {
    return send(contract, new Function("set", List.<Type>of(new Bytes32(policy.bytes()),
        new org.web3j.abi.datatypes.Address(reader.evmHex()), new Uint8(reason), new Uint64(validUntil)),
        List.of()));
  }

  private TransactionReceipt transact(String to, String data) throws IOException {
    BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice().multiply(BigInteger.TWO);
    org.web3j.protocol.core.methods.response.EthSendTransaction sent =
        tx.sendTransaction(gasPrice, GAS_LIMIT, to, data, BigInteger.ZERO);
    if (sent.hasError()) {
      throw new IOException("transaction refused: " + sent.getError().getMessage());
    }
    // automining: the receipt is there at once, or after a block-time tick
    for (int i = 0; i < 600; i++) {
      java.util.Optional<TransactionReceipt> r = web3j.ethGetTransactionReceipt(sent.getTransactionHash()).send()
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

  /** A raw JSON-RPC call; its result, or IOException with the node's error. */
  public Object rpc(String method, Object... params) throws IOException {
    JsonObject body = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", method)
        .put("params", new JsonArray(List.of(params)));
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(rpcUrl()).timeout(Duration.ofSeconds(30))
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()))
          .build(), HttpResponse.BodyHandlers.ofString());
      JsonObject answer = new JsonObject(r.body());
      if (answer.getValue("error") != null) {
        throw new IOException(method + ": " + answer.getValue("error"));
      }
      return answer.getValue("result");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Mines {@code n} empty blocks; the new head's number. */
  public long mine(int n) throws IOException {
    for (int i = 0; i < n; i++) {
      rpc("evm_mine");
    }
    return head();
  }

  public long head() throws IOException {
    return Long.decode((String) rpc("eth_blockNumber"));
  }

  /** The next block's timestamp, in seconds. */
  public void setNextBlockTimestamp(long seconds) throws IOException {
    rpc("evm_setNextBlockTimestamp", seconds);
  }

  /** The timestamp of block {@code number}, in seconds. */
  public long timestamp(long number) throws IOException {
    JsonObject b = (JsonObject) rpc("eth_getBlockByNumber", "0x" + Long.toHexString(number), false);
    return Long.decode(b.getString("timestamp"));
  }

  public String snapshot() throws IOException {
    return (String) rpc("evm_snapshot");
  }

  public void revert(String snapshot) throws IOException {
    if (!Boolean.TRUE.equals(rpc("evm_revert", snapshot))) {
      throw new IOException("evm_revert " + snapshot + " refused");
    }
  }

  @Override
  public void close() {
    web3j.shutdown();
    anvil.close();
  }
}
