package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.SlowClients;
import io.cachet.storage.StoreResult;
import io.cachet.storage.gateway.CertificateSink;
import io.cachet.storage.gateway.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway under slow and greedy clients from {@code 127.0.0.2}, while the test's own uploads
 * and reads come from {@code 127.0.0.1}.
 */
class GatewaySlowClientsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final Duration SHORT = Duration.ofSeconds(1);
  /** Longer than the guard's linger after a refusal, so the linger, not the idle timeout, closes. */
  private static final Duration IDLE = Duration.ofSeconds(3);

  @TempDir Path root;
  LocalNet net;

  @BeforeEach
  void up() {
    net = LocalNet.start(root, LocalNetwork.Options.defaults().withNodes(LocalNet.N, 4096).withIntervals(0, 0));
  }

  @AfterEach
  void down() {
    net.close();
  }

  private static String slowPut(int length) {
    return "PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + length + "\r\n\r\n";
  }

  @Test
  void fourTricklingPuts_doNotBlockAnUploadFromAnotherClient() throws Exception {
    int port = URI.create(net.net.gatewayUrl()).getPort();
    try (SlowClients slow = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 4)) {
      slow.sendAll(slowPut(60_000));
      slow.trickle(Duration.ofMillis(200));
      slow.awaitOpen(open -> open == Gateway.DEFAULT_UPLOADS_PER_CLIENT, PATIENCE);
      assertThat(slow.answered(429)).isEqualTo(4 - Gateway.DEFAULT_UPLOADS_PER_CLIENT);
      assertThat(slow.firstAnswer(429)).contains("\"reason\":\"TOO_MANY_UPLOADS\"").containsIgnoringCase(
          "retry-after: 1");

      byte[] data = LocalNet.random(50_000, 7);
      StoreResult stored = net.store(data, 1);
      assertThat(net.read(stored.blobId())).isEqualTo(data);
    }
  }

  @Test
  void thousandsOfIdleAndTricklingConnections_areClosed_whileTheGatewayAnswers() throws Exception {
    Gateway guarded = new Gateway(net.net.gatewayConfig(), CertificateSink.NONE,
        ServerLimits.defaults().withTimeouts(IDLE, SHORT, SHORT).withPerAddress(5000, 5000), 5000);
    LocalNet.await(net.vertx.deployVerticle(guarded));
    int port = guarded.actualPort();
    try (SlowClients idle = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 1000);
        SlowClients heads = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 500);
        SlowClients bodies = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 500)) {
      heads.sendAll("GET /v1/network HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      heads.trickle(Duration.ofMillis(100));
      bodies.sendAll(slowPut(60_000));
      bodies.trickle(Duration.ofMillis(100));

      HttpResponse<byte[]> mine = net.send(HttpRequest.newBuilder(URI.create(guarded.url() + "/v1/network")));
      assertThat(mine.statusCode()).isEqualTo(200);

      idle.awaitOpen(open -> open == 0, PATIENCE);
      heads.awaitOpen(open -> open == 0, PATIENCE);
      bodies.awaitOpen(open -> open == 0, PATIENCE);
      assertThat(bodies.answered(408)).as("the uploads admitted time out").isGreaterThan(0);
      assertThat(heads.answered(200)).isZero();
    }
  }
}
