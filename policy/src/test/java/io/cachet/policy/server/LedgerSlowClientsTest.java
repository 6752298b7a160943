package io.cachet.policy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.SlowClients;
import io.cachet.crypto.Identity;
import io.cachet.policy.Sequencer;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger server under slow and greedy clients from {@code 127.0.0.2}: idle connections,
 * trickled heads and trickled transaction bodies are closed at their deadlines, and connections
 * over the per-address cap at once, while requests from {@code 127.0.0.1} are answered.
 */
class LedgerSlowClientsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final Duration SHORT = Duration.ofSeconds(1);
  /** Longer than the guard's linger after a refusal, so the linger, not the idle timeout, closes. */
  private static final Duration IDLE = Duration.ofSeconds(3);

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private Sequencer sequencer;
  private WebClient http;
  private int port;

  private void start(ServerLimits limits) throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir, "cachet-test", Duration.ofMinutes(10), Clock.systemUTC()),
        Identity.generate(new SecureRandom()));
    LedgerServer server = new LedgerServer(sequencer, "127.0.0.1", 0, limits);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    port = server.port();
    http = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    if (sequencer != null) {
      sequencer.close();
    }
  }

  private int headStatus() throws Exception {
    return http.get(port, "127.0.0.1", "/v1/head").send().await(30, TimeUnit.SECONDS).statusCode();
  }

  @Test
  void thousandsOfIdleAndTricklingConnections_areClosed_whileTheHeadIsServed() throws Exception {
    start(ServerLimits.defaults().withTimeouts(IDLE, SHORT, SHORT).withPerAddress(5000, 5000));
    try (SlowClients idle = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 1000);
        SlowClients heads = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 500);
        SlowClients bodies = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 500)) {
      heads.sendAll("GET /v1/head HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      heads.trickle(Duration.ofMillis(100));
      bodies.sendAll("POST /v1/transactions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 60000\r\n\r\n");
      bodies.trickle(Duration.ofMillis(100));

      assertThat(headStatus()).isEqualTo(200);

      idle.awaitOpen(open -> open == 0, PATIENCE);
      heads.awaitOpen(open -> open == 0, PATIENCE);
      bodies.awaitOpen(open -> open == 0, PATIENCE);
      assertThat(bodies.answered(408)).isGreaterThan(0);
      assertThat(bodies.firstAnswer(408)).contains("\"reason\":\"REQUEST_TIMEOUT\"");
      assertThat(heads.answered(200)).isZero();
      assertThat(headStatus()).isEqualTo(200);
    }
  }

  @Test
  void connectionsOverThePerAddressCap_areClosedAtOnce_andOthersServed() throws Exception {
    start(ServerLimits.defaults().withPerAddress(50, 50));
    try (SlowClients many = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 300)) {
      many.awaitOpen(open -> open == 50, PATIENCE);
      assertThat(headStatus()).isEqualTo(200);
      assertThat(many.open()).isEqualTo(50);
    }
  }
}
