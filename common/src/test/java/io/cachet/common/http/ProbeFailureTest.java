package io.cachet.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ProbeFailure} on the failures real clients give against real misbehaving servers on
 * loopback: nothing listening, a server that takes the request and never answers, one that drops
 * the connection; Vert.x's client and the JDK's alike. The words come from the exception's type,
 * and never carry its text.
 */
class ProbeFailureTest {
  private static final long TIMEOUT_MILLIS = 500;
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client = vertx.createHttpClient();

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private Throwable vertxFailure(int port) throws Exception {
    RequestOptions r = new RequestOptions().setAbsoluteURI("http://127.0.0.1:" + port + "/health")
        .setMethod(HttpMethod.GET).setConnectTimeout(TIMEOUT_MILLIS).setIdleTimeout(TIMEOUT_MILLIS);
    Future<?> f = client.request(r).compose(req -> req.send()).compose(resp -> resp.body());
    try {
      f.await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("the probe got an answer");
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void describe_nothingListens_saysRefused() throws Exception {
    assertThat(ProbeFailure.describe(vertxFailure(closedPort()), TIMEOUT_MILLIS)).isEqualTo(ProbeFailure.REFUSED);
  }

  @Test
  void describe_serverTakesTheRequestAndNeverAnswers_saysNoAnswerWithin() throws Exception {
    HttpServer silent = vertx.createHttpServer().requestHandler(req -> { }).listen(0, "127.0.0.1")
        .await(30, TimeUnit.SECONDS);
    assertThat(ProbeFailure.describe(vertxFailure(silent.actualPort()), TIMEOUT_MILLIS))
        .isEqualTo("no answer within " + TIMEOUT_MILLIS + " ms");
  }

  @Test
  void describe_serverDropsTheConnection_saysLost() throws Exception {
    NetServer dropper = vertx.createNetServer().connectHandler(socket -> socket.handler(b -> socket.close()))
        .listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
    assertThat(ProbeFailure.describe(vertxFailure(dropper.actualPort()), TIMEOUT_MILLIS))
        .isEqualTo(ProbeFailure.LOST);
  }

  @Test
  void describe_jdkClientTimesOut_saysNoAnswerWithin() throws Exception {
    HttpServer silent = vertx.createHttpServer().requestHandler(req -> { }).listen(0, "127.0.0.1")
        .await(30, TimeUnit.SECONDS);
    Throwable failure = null;
    try {
      java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + silent.actualPort() + "/health")).timeout(Duration.ofMillis(TIMEOUT_MILLIS))
          .build(), HttpResponse.BodyHandlers.discarding());
    } catch (Exception e) {
      failure = e;
    }
    assertThat(ProbeFailure.describe(failure, TIMEOUT_MILLIS)).isEqualTo("no answer within " + TIMEOUT_MILLIS + " ms");
  }

  @Test
  void describe_messageSayingTimeout_isNotTakenForOne() {
    assertThat(ProbeFailure.describe(new IllegalStateException("timeout in the message only"), TIMEOUT_MILLIS))
        .isEqualTo(ProbeFailure.LOST);
  }
}
