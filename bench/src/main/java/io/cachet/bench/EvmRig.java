package io.cachet.bench;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Requester;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.keyserver.KeyServerEvmConfig;
import io.cachet.policy.PolicyLedger;
import io.cachet.policy.Window;
import io.cachet.policy.evm.Anvil;
import io.cachet.policy.evm.EvmDeployment;
import io.cachet.policy.evm.EvmLedgerConfig;
import io.cachet.policy.evm.EvmPolicyChain;
import io.cachet.policy.evm.EvmPolicyLedger;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.web3j.crypto.Credentials;

/**
 * A real anvil with CachetPolicies deployed, one allow-list made by dev account 0, an in-process
 * {@link EvmPolicyLedger} and key servers with {@code chain = evm}, as a {@link DecisionRig}.
 *
 * <p>Anvil starts automining so the set-up's transactions land at once; {@link #blockEvery} then
 * switches it to a block every so many seconds (anvil's interval miner, what {@code --block-time}
 * runs), as a live chain produces blocks whether or not there are transactions.
 */
final class EvmRig extends DecisionRig {
  private final Anvil anvil;
  private final EvmPolicyChain owner;
  private final EvmPolicyLedger ledger;
  private final PolicyId list;
  private final long confirmations;
  private final Duration pollInterval;
  private final EthCallCounter counter;
  private final ExecutorService writer = Executors.newSingleThreadExecutor();
  private final HttpClient rpc = HttpClient.newHttpClient();

  /**
   * @param confirmations blocks below the head that key servers and the in-process ledger decide at
   * @param pollInterval how often they read the head
   * @param countCalls whether key servers reach anvil through an {@link EthCallCounter}
   */
  EvmRig(Path dir, long confirmations, Duration pollInterval, boolean countCalls) throws Exception {
    super(dir);
    this.confirmations = confirmations;
    this.pollInterval = pollInterval;
    anvil = Anvil.start(Anvil.Options.defaults());
    Credentials dev = Credentials.create(Anvil.DEV_KEYS.get(0));
    EvmDeployment.Addresses deployed = EvmDeployment.deploy(anvil.rpcUrl(), anvil.chainId(), dev);
    owner = new EvmPolicyChain(dev, anvil.chainId(), anvil.rpcUrl(), deployed.policies());
    list = owner.createAllowList();
    ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(anvil.rpcUrl(), anvil.chainId(), confirmations,
        Clock.systemUTC()).withPollInterval(pollInterval));
    counter = countCalls ? EthCallCounter.start(vertx, anvil.rpcUrl()) : null;
  }

  @Override
  String name() {
    return "evm";
  }

  @Override
  String envelopeLedgerId() {
    return owner.envelopeLedgerId();
  }

  @Override
  PolicyId policy() {
    return list;
  }

  @Override
  EvmPolicyLedger ledger() {
    return ledger;
  }

  long anvilPid() {
    return anvil.pid();
  }

  /** eth_calls the key servers sent, if counted; -1 if not. */
  long ethCalls() {
    return counter == null ? -1 : counter.ethCalls();
  }

  @Override
  Requester newRequester() {
    return EvmIdentity.generate(RANDOM).onChain(anvil.chainId());
  }

  @Override
  long grant(Address who) throws Exception {
    return owner.grant(list, who, Window.ALWAYS);
  }

  @Override
  CompletableFuture<Long> revoke(Address who) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return owner.revoke(list, who);
      } catch (Exception e) {
        throw new IllegalStateException("revoke failed: " + e.getMessage(), e);
      }
    }, writer);
  }

  @Override
  long head() throws Exception {
    return owner.head().height();
  }

  /** Mines one block now. */
  void mine() throws IOException, InterruptedException {
    rpc("evm_mine", "[]");
  }

  /** From now on a block every {@code seconds}, transactions or not. */
  void blockEvery(long seconds) throws IOException, InterruptedException {
    rpc("evm_setIntervalMining", "[" + seconds + "]");
  }

  private void rpc(String method, String params) throws IOException, InterruptedException {
    HttpResponse<String> r = rpc.send(HttpRequest.newBuilder(anvil.rpcUrl()).header("content-type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\""
            + method + "\",\"params\":" + params + "}")).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200 || r.body().contains("\"error\"")) {
      throw new IOException(method + ": " + r.body());
    }
  }

  @Override
  KeyServerConfig serverConfig(String id) {
    URI url = counter == null ? anvil.rpcUrl() : counter.url();
    return KeyServerConfig.defaultsEvm(id, dir.resolve(id), new KeyServerEvmConfig(url, null, anvil.chainId(),
        confirmations, pollInterval));
  }

  @Override
  public void close() throws Exception {
    super.close();
    ledger.close();
    owner.close();
    writer.shutdownNow();
    anvil.close();
  }
}
