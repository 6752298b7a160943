package io.cachet.storage.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.SlowClients;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage node under slow and greedy clients from {@code 127.0.0.2}: idle connections and
 * trickled heads and stripe bodies are closed at their deadlines, connections over the per-address
 * cap at once, while requests from {@code 127.0.0.1} are answered.
 */
class NodeSlowClientsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final Duration SHORT = Duration.ofSeconds(1);
  /** Longer than the guard's linger after a refusal, so the linger, not the idle timeout, closes. */
  private static final Duration IDLE = Duration.ofSeconds(3);

  @TempDir Path root;
  private Vertx vertx;
  private NodeFixture fixture;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    fixture = new NodeFixture(vertx, root);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private int start(ServerLimits limits) throws Exception {
    StorageNode node = new StorageNode(fixture.config(0), limits);
    vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
    return node.actualPort();
  }

  private int health(int port) throws Exception {
    return fixture.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
        .timeout(PATIENCE).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void thousandsOfIdleAndTricklingConnections_areClosed_whileTheNodeAnswers() throws Exception {
    int port = start(ServerLimits.defaults().withTimeouts(IDLE, SHORT, SHORT).withPerAddress(5000, 5000));
    try (SlowClients idle = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 1000);
        SlowClients heads = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 500);
        SlowClients bodies = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 500)) {
      heads.sendAll("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      heads.trickle(Duration.ofMillis(100));
      bodies.sendAll("PUT /v1/uploads/u1/stripes/0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/octet-stream\r\nContent-Length: 1024\r\n\r\n");
      bodies.trickle(Duration.ofMillis(100));

      assertThat(health(port)).isEqualTo(200);

      idle.awaitOpen(open -> open == 0, PATIENCE);
      heads.awaitOpen(open -> open == 0, PATIENCE);
      bodies.awaitOpen(open -> open == 0, PATIENCE);
      assertThat(heads.answered(200)).isZero();
      assertThat(health(port)).isEqualTo(200);
    }
  }

  @Test
  void connectionsOverThePerAddressCap_areClosedAtOnce_andOthersServed() throws Exception {
    int port = start(ServerLimits.defaults().withPerAddress(50, 50));
    try (SlowClients many = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 300)) {
      many.awaitOpen(open -> open == 50, PATIENCE);
      assertThat(health(port)).isEqualTo(200);
      assertThat(many.open()).isEqualTo(50);
    }
  }
}
