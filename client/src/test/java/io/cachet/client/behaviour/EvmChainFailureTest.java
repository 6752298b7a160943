package io.cachet.client.behaviour;

import static io.cachet.client.behaviour.BehaviourNetwork.Party.OWNER;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.READER;
import static io.cachet.client.behaviour.StoredFiles.RELEASED;
import static io.cachet.client.behaviour.StoredFiles.openAs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cachet.client.CachetClient;
import io.cachet.client.KeyServersUnavailableException;
import io.cachet.client.ServerOutcome;
import io.cachet.client.behaviour.StoredFiles.Put;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.KeyServer;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.Window;
import io.cachet.policy.evm.Anvil;
import io.cachet.policy.evm.EvmTestChain;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chain goes away under three real EVM key servers and a reader's client: once it has been gone
 * past the staleness bound (by the key servers' clock, moved, not slept) every key server answers
 * 503 LEDGER_STALE and the reader gets no key; when anvil is back on the same port with the same
 * state, the same client opens the file again.
 */
class EvmChainFailureTest {
  @TempDir static Path dir;
  private static EvmBehaviourNetwork net;
  private static Anvil.Options options;

  @BeforeAll
  static void start() throws Exception {
    options = Anvil.Options.defaults().withState(dir.resolve("anvil-state.json"));
    net = EvmBehaviourNetwork.start(dir, 0, options);
  }

  @AfterAll
  static void stop() throws Exception {
    if (net != null) {
      net.close();
    }
  }

  private static String health(KeyServer s) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + s.port() + "/health")).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body()).getString("status");
  }

  @Test
  void chainGonePastTheStalenessBound_everyKeyServerAnswers503LedgerStale_andServesAgainWhenItIsBack()
      throws Exception {
    net.freshTime();
    PolicyId list = net.chainAs(OWNER).createAllowList();
    net.chainAs(OWNER).grant(list, net.address(READER), Window.ALWAYS);
    Put put = StoredFiles.put(net, OWNER, new PolicyRef(net.chainAs(OWNER).envelopeLedgerId(), list));
    net.settle();
    assertThat(openAs(net, READER, put)).isEqualTo(RELEASED);

    try (CachetClient reader = net.clientAs(READER)) {
      int port = net.chain.rpcUrl().getPort();
      net.chain.close();
      net.clock.advance(KeyServerConfig.DEFAULT_STALENESS_BOUND.plusSeconds(1).toMillis());

      Throwable refused = catchThrowable(() -> {
        try (InputStream in = reader.open(put.stored().blobId())) {
          in.readAllBytes();
        }
      });
      assertThat(refused).isInstanceOf(KeyServersUnavailableException.class);
      assertThat(((KeyServersUnavailableException) refused).outcomes())
          .filteredOn(o -> o.kind() != ServerOutcome.Kind.NOT_NEEDED)
          .isNotEmpty()
          .allSatisfy(o -> {
            assertThat(o.httpStatus()).as(o.toString()).isEqualTo(503);
            assertThat(o.reason()).as(o.toString()).isEqualTo("LEDGER_STALE");
          });
      for (KeyServer s : net.keyServers) {
        assertThat(health(s)).isEqualTo("stale");
      }

      net.chain = EvmTestChain.start(options.withPort(port));
      net.at((net.clock.millis() / 1000 + 1) * 1000);
      for (KeyServer s : net.keyServers) {
        assertThat(health(s)).isEqualTo("serving");
      }
      try (InputStream in = reader.open(put.stored().blobId())) {
        assertThat(in.readAllBytes()).isEqualTo(put.plain());
      }
    }
  }
}
