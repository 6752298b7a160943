package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A key server behind a gateway that mounts it under a path: the client asks it there, not at the
 * gateway's root. The gateway is a real server that records each path it is asked for and answers
 * 404, so only where the client went is judged.
 */
class PrefixedKeyServerTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void sealingKeys_aKeyServerUnderAPathPrefix_isAskedUnderIt() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> asked = new CopyOnWriteArrayList<>();
      HttpServer gateway = vertx.createHttpServer().requestHandler(r -> {
        asked.add(r.path());
        r.response().setStatusCode(404).end();
      }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + gateway.actualPort();
      ClientConfig config = ClientConfig.builder()
          .ledger(URI.create(base + "/ledger"), "cachet-test", Identity.generate(RANDOM).verifyingKey())
          .keyServer("ks-1", URI.create(base + "/gw/ks-1/"), Identity.generate(RANDOM).verifyingKey())
          .threshold(1)
          .storage(URI.create(base + "/publisher"), URI.create(base + "/aggregator"))
          .requestTimeout(Duration.ofSeconds(30))
          .build();
      SealingKeys keys = new SealingKeys(config, vertx.createHttpClient(), null);
      assertThatThrownBy(keys::keys).isInstanceOf(KeyServersUnavailableException.class);
      assertThat(asked).containsExactly("/gw/ks-1/v1/service");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
