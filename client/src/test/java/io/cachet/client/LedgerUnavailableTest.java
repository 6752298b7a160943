package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A ledger that answers, but not with a decision: the failure names the ledger by host:port only,
 * since the descriptor's URL may carry a key in its path and the message reaches people and logs.
 */
class LedgerUnavailableTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Vertx vertx;
  private HttpServer hostile;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    // a real server that is never ready: 503, and not in the one error shape
    hostile = vertx.createHttpServer().requestHandler(r -> r.response().setStatusCode(503).end("down for a bit"))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void policy_fromALedgerAnswering503_namesTheLedgerByHostAndPort_notItsPath() {
    int port = hostile.actualPort();
    Identity me = Identity.generate(RANDOM);
    ClientConfig config = ClientConfig.builder()
        .ledger(URI.create("http://127.0.0.1:" + port + "/tenant/sk-live-0123456789"), "test-ledger",
            Identity.generate(RANDOM).verifyingKey())
        .keyServer("ks-1", URI.create("http://127.0.0.1:1"), Identity.generate(RANDOM).verifyingKey())
        .threshold(1)
        .storage(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:1"))
        .build();
    try (EmbeddedPolicyChain chain = EmbeddedPolicyChain.open(config, me)) {
      assertThatThrownBy(() -> chain.policy(PolicyId.random(RANDOM)))
          .isInstanceOf(LedgerUnavailableException.class)
          .hasMessageContaining("503")
          .hasMessageContaining("the ledger at 127.0.0.1:" + port)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-live").doesNotContain("http://"));
    } finally {
      me.destroy();
    }
  }
}
