package io.cachet.cli.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.client.ClientConfig;
import io.cachet.crypto.Identity;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code cachet status} probes each part under the path its URL gives, as gateways mount parts. */
class NetworkProberTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void probe_partsMountedUnderAPathPrefix_areAskedThere() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // one gateway: each part answers its health only under its own prefix; the root has nothing
      HttpServer server = vertx.createHttpServer().requestHandler(r -> {
        String body = switch (r.path()) {
          case "/ledger/health" -> "{\"status\":\"ok\",\"height\":7}";
          case "/ks-1/health" -> "{\"status\":\"up\",\"ledger\":{\"height\":7}}";
          default -> null;
        };
        if (body == null) {
          r.response().setStatusCode(404).end();
        } else {
          r.response().putHeader("content-type", "application/json").end(body);
        }
      }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + server.actualPort();
      ClientConfig config = ClientConfig.builder()
          .ledger(URI.create(base + "/ledger/"), "cachet-test", Identity.generate(RANDOM).verifyingKey())
          .keyServer("ks-1", URI.create(base + "/ks-1"), Identity.generate(RANDOM).verifyingKey())
          .threshold(1)
          .storage(URI.create(base + "/publisher"), URI.create(base + "/aggregator"))
          .build();
      List<Probe> probes;
      try (NetworkProber prober = new NetworkProber()) {
        probes = prober.probe(config);
      }
      Probe ledger = probes.stream().filter(p -> p.name().equals("ledger")).findFirst().orElseThrow();
      Probe ks = probes.stream().filter(p -> p.name().equals("ks-1")).findFirst().orElseThrow();
      assertThat(ledger.up()).isTrue();
      assertThat(ledger.height()).isEqualTo(7);
      assertThat(ks.up()).isTrue();
      assertThat(ks.height()).isEqualTo(7);
      assertThat(ledger.where()).doesNotContain("/ledger");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
