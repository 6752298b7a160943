package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.SlowClients;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A key server under slow and greedy clients from {@code 127.0.0.2}: real connections that stay
 * idle or trickle a request, while the test's own requests come from {@code 127.0.0.1}.
 */
class SlowClientsTest extends KeyServerTestBase {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private static String slowFetch(int length) {
    return "POST /v1/fetch_key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + length + "\r\n\r\n";
  }

  @Test
  void tricklingBodiesFromOneAddress_doNotHoldEveryInFlightSlot() throws Exception {
    KeyServer ks = start(config("ks-1").with(Map.of("max-in-flight", "20", "max-in-flight-per-address", "10",
        "body-timeout", "2m")));
    try (SlowClients greedy = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, ks.port(), 30)) {
      greedy.sendAll(slowFetch(100_000));
      greedy.trickle(Duration.ofMillis(200));
      greedy.awaitOpen(open -> open == 10, PATIENCE);
      assertThat(greedy.answered(429)).isEqualTo(20);
      assertThat(greedy.firstAnswer(429)).contains("\"reason\":\"TOO_MANY_REQUESTS\"");

      Reply mine = post(ks, "/v1/fetch_key", Buffer.buffer("{}"));
      assertThat(mine.status()).as("%s", mine.body()).isEqualTo(400);
      assertThat(mine.reason()).isEqualTo("MALFORMED");
    }
  }

  @Test
  void thousandsOfIdleAndTricklingConnections_areClosed_whileRequestsAreAnswered() throws Exception {
    KeyServer ks = start(config("ks-1").with(Map.of("idle-timeout", "3s", "head-timeout", "1s",
        "body-timeout", "1s", "max-connections-per-address", "5000", "max-in-flight-per-address", "5000")));
    try (SlowClients idle = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, ks.port(), 1000);
        SlowClients heads = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, ks.port(), 500);
        SlowClients bodies = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, ks.port(), 500)) {
      heads.sendAll("GET /v1/service HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      heads.trickle(Duration.ofMillis(100));
      bodies.sendAll(slowFetch(100_000));
      bodies.trickle(Duration.ofMillis(100));

      assertThat(get(ks, "/v1/service").status()).isEqualTo(200);
      assertThat(post(ks, "/v1/fetch_key", Buffer.buffer("{}")).reason()).isEqualTo("MALFORMED");

      idle.awaitOpen(open -> open == 0, PATIENCE);
      heads.awaitOpen(open -> open == 0, PATIENCE);
      bodies.awaitOpen(open -> open == 0, PATIENCE);
      assertThat(bodies.answered(408)).isGreaterThan(0);
      assertThat(bodies.firstAnswer(408)).contains("\"reason\":\"REQUEST_TIMEOUT\"");
      assertThat(heads.answered(200)).isZero();
      assertThat(get(ks, "/v1/service").status()).isEqualTo(200);
    }
  }

  @Test
  void connectionsOverThePerAddressCap_areClosedAtOnce() throws Exception {
    KeyServer ks = start(config("ks-1").with("max-connections-per-address", "50"));
    try (SlowClients many = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, ks.port(), 200)) {
      many.awaitOpen(open -> open == 50, PATIENCE);
      assertThat(get(ks, "/v1/service").status()).isEqualTo(200);
      assertThat(get(ks, "/metrics").body().toString()).contains("cachet_keyserver_limit_refusals 150.0");
    }
  }
}
