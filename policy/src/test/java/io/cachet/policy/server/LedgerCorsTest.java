package io.cachet.policy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.ApiError;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.RawHttp;
import io.cachet.common.http.ServerLimits;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Sequencer;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger as a page of an allowed origin reads it: heads and policy state, never a submission. */
class LedgerCorsTest {
  private static final String PAGE = "http://127.0.0.1:7700";

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private Sequencer sequencer;
  private int port;

  @BeforeEach
  void start() throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir, "cachet-test", Duration.ofMinutes(10), Clock.systemUTC()),
        Identity.generate(new SecureRandom()));
    LedgerServer server = new LedgerServer(sequencer, "127.0.0.1", 0, ServerLimits.defaults(),
        CorsPolicy.parse(PAGE));
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    port = server.port();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    sequencer.close();
  }

  private RawHttp.Answer preflight(String path, String origin, String method) throws Exception {
    return RawHttp.exchange(port, "OPTIONS", path, "Origin: " + origin, "Access-Control-Request-Method: " + method);
  }

  @Test
  void aPageOfTheAllowedOrigin_readsTheHeadAndPolicies() throws Exception {
    RawHttp.Answer pre = preflight("/v1/policies/" + PolicyId.random(new SecureRandom()), PAGE, "GET");
    assertThat(pre.status()).isEqualTo(204);
    assertThat(pre.header("Access-Control-Allow-Methods")).isEqualTo("GET");
    assertThat(pre.header("Access-Control-Allow-Headers")).isNull();
    RawHttp.Answer head = RawHttp.exchange(port, "GET", "/v1/head", "Origin: " + PAGE);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
    // a policy the ledger does not know: the page reads the refusal
    RawHttp.Answer unknown = RawHttp.exchange(port, "GET", "/v1/policies/" + PolicyId.random(new SecureRandom()),
        "Origin: " + PAGE);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
  }

  @Test
  void submissions_blocks_andOtherOrigins_stayClosed() throws Exception {
    RawHttp.Answer submit = preflight("/v1/transactions", PAGE, "POST");
    assertThat(submit.status()).isNotEqualTo(204);
    assertThat(submit.hasCorsHeaders()).isFalse();
    RawHttp.Answer blocks = preflight("/v1/blocks", PAGE, "GET");
    assertThat(blocks.status()).isNotEqualTo(204);
    assertThat(blocks.hasCorsHeaders()).isFalse();
    RawHttp.Answer other = preflight("/v1/head", "https://evil.example", "GET");
    assertThat(other.status()).isEqualTo(403);
    assertThat(ApiError.parse(other.body(), 403).orElseThrow().reason()).isEqualTo(CorsPolicy.ORIGIN_REFUSED);
    assertThat(RawHttp.exchange(port, "GET", "/v1/head", "Origin: https://evil.example").hasCorsHeaders()).isFalse();
  }
}
