package io.cachet.cli.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.client.ClientConfig;
import io.cachet.crypto.Identity;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.ServerSocket;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code cachet status} probes each part under the path its URL gives, as gateways mount parts;
 * a devnet's status asks many parts' /health at once, silent ones costing one timeout together.
 */
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

  @Test
  void health_twelveSilentPartsAndOneRefusing_answersForEachAtOnce() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // SIGSTOPped parts: the kernel takes the connection, nothing ever answers
      HttpServer silent = vertx.createHttpServer().requestHandler(r -> { }).listen(0, "127.0.0.1")
          .await(30, TimeUnit.SECONDS);
      HttpServer stale = vertx.createHttpServer().requestHandler(r -> r.response().setStatusCode(503)
          .putHeader("content-type", "application/json").end("{\"status\":\"stale\",\"height\":3}"))
          .listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
      Map<String, URI> parts = new LinkedHashMap<>();
      for (int i = 0; i < 12; i++) {
        parts.put("silent-" + i, URI.create("http://127.0.0.1:" + silent.actualPort()));
      }
      parts.put("refusing", URI.create("http://127.0.0.1:" + closedPort()));
      parts.put("stale", URI.create("http://127.0.0.1:" + stale.actualPort()));
      Map<String, NetworkProber.Said> said;
      long started = System.nanoTime();
      try (NetworkProber prober = new NetworkProber()) {
        said = prober.health(parts);
      }
      // one after another, the silent ones alone would take 12 x 2 s
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("probed together, not in turn")
          .isLessThan(Duration.ofSeconds(20));
      assertThat(said.keySet()).containsExactlyElementsOf(parts.keySet());
      assertThat(said.get("silent-7").words()).isEqualTo("no answer within 2000 ms");
      assertThat(said.get("silent-7").ok()).isFalse();
      assertThat(said.get("refusing").words()).isEqualTo("connection refused");
      assertThat(said.get("stale").words()).isEqualTo("HTTP 503 stale");
      assertThat(said.get("stale").height()).isEqualTo(3);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
