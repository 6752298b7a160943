package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Identity;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A ledger URL's path may hold an API key: the client's failures name the ledger by host:port only. */
class LedgerClientUrlTest {
  @Test
  void ledgerClient_aWrongGenesis_namesTheLedgerWithoutItsUrlPath() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // a node that serves no genesis block (another ledger, a stale descriptor)
      HttpServer server = vertx.createHttpServer()
          .requestHandler(r -> r.response().putHeader("content-type", "application/json").end("{\"blocks\":[]}"))
          .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      LedgerClient client = new LedgerClient(vertx, "http://127.0.0.1:" + server.actualPort() + "/apikey-S3CRET");
      Throwable failure = client.ledger("ledger-x", Identity.generate(new SecureRandom()).verifyingKey())
          .toCompletionStage().toCompletableFuture().handle((ok, e) -> e).get(30, TimeUnit.SECONDS);
      assertThat(failure).isNotNull();
      assertThat(String.valueOf(failure.getMessage())).doesNotContain("S3CRET")
          .contains("127.0.0.1:" + server.actualPort());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
