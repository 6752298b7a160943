package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.DataKey;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Requester;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.Window;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key fetcher asks as any {@link Requester}: an Ed25519 identity gets its shares, an EVM
 * identity signs an EIP-712 session certificate, which key servers of the embedded ledger refuse
 * by name (WRONG_CHAIN), even where the policy lists its address.
 */
class KeyFetcherRequesterTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir static Path dir;
  static TestNetwork net;
  static ClientConfig config;
  static final Identity ALICE = Identity.generate(RANDOM);
  static final Identity BOB = Identity.generate(RANDOM);
  static final EvmIdentity CAROL = EvmIdentity.generate(RANDOM);
  static EnvelopeHeader header;
  static Vertx vertx;
  static HttpClient http;
  static LedgerClient ledger;
  static ExecutorService workers;

  @BeforeAll
  static void start() throws Exception {
    net = new TestNetwork(dir);
    config = net.config();
    try (CachetClient alice = CachetClient.open(config, ALICE)) {
      PolicyId policy = alice.createAllowList();
      alice.grant(policy, BOB.address(), Window.ALWAYS);
      alice.grant(policy, CAROL.address(), Window.ALWAYS);
      header = alice.header(alice.put(new ByteArrayInputStream(new byte[100]), 100, policy, 2).blobId());
    }
    net.keyServersCaughtUp();
    vertx = Vertx.vertx();
    http = vertx.createHttpClient();
    ledger = new LedgerClient(vertx, config.ledgerUrl().toString());
    workers = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void stop() throws Exception {
    workers.shutdownNow();
    vertx.close().await(30, TimeUnit.SECONDS);
    net.close();
  }

  private static DataKey fetchAs(Requester requester) throws Exception {
    KeyFetcher fetcher = new KeyFetcher(vertx, KeyFetcher.HeadSource.of(ledger), config, requester, http, workers, RANDOM, Clock.systemUTC());
    return fetcher.fetch(header).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void fetch_asEd25519Requester_getsTheKey() throws Exception {
    assertThat(fetchAs(BOB)).isNotNull();
  }

  @Test
  void fetch_asEvmRequester_atEmbeddedLedgerKeyServers_isRefusedWithWrongChain() {
    assertThatThrownBy(() -> fetchAs(CAROL.onChain(31337)))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("WRONG_CHAIN");
  }

  @Test
  void fetch_asEvmRequesterBoundToNoChain_failsSayingSo() {
    assertThatThrownBy(() -> fetchAs(CAROL)).hasMessageContaining("onChain");
  }
}
