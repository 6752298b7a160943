package io.cachet.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.common.http.FloodServer.Announce;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {
  /** The cap under test: small, so a flood is a thousand times bigger. */
  private static final int CAP = 1 << 20;
  /** What a reader may have let the server write past the cap: socket buffers and one chunk in flight. */
  private static final long SLACK = 32L << 20;

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private static FloodServer flood(Announce announce) throws Exception {
    return FloodServer.start(req -> req.path().equals("/flood"), announce, "{\"x\":\"", req ->
        req.response().putHeader("content-type", "application/json").end("{\"ok\":true}"));
  }

  @Test
  void exchange_smallAnswer_isReadWithStatusAndHeaders() throws Exception {
    try (FloodServer server = flood(Announce.CHUNKED)) {
      HttpClient client = vertx.createHttpClient();
      BoundedBody.Answer a = BoundedBody.exchange(client, new RequestOptions().setMethod(HttpMethod.GET)
          .setAbsoluteURI(server.url() + "/small"), null, "a test answer", CAP).await(60, TimeUnit.SECONDS);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.header("content-type")).isEqualTo("application/json");
      assertThat(a.json().getBoolean("ok")).isTrue();
    }
  }

  @Test
  void exchange_chunkedGigabyte_failsAtCapAndDropsConnection() throws Exception {
    try (FloodServer server = flood(Announce.CHUNKED)) {
      HttpClient client = vertx.createHttpClient();
      assertThatThrownBy(() -> BoundedBody.exchange(client, new RequestOptions().setMethod(HttpMethod.GET)
          .setAbsoluteURI(server.url() + "/flood"), null, "a test answer", CAP).await(60, TimeUnit.SECONDS))
          .isInstanceOf(AnswerTooLargeException.class)
          .hasMessageContaining("a test answer").hasMessageContaining(Integer.toString(CAP));
      awaitDropped(server);
      assertThat(server.written()).isLessThan(CAP + SLACK);
    }
  }

  @Test
  void coreRead_announcedGigabyte_failsBeforeReading() throws Exception {
    try (FloodServer server = flood(Announce.HONEST_LENGTH)) {
      HttpClient client = vertx.createHttpClient();
      assertThatThrownBy(() -> client.request(new RequestOptions().setMethod(HttpMethod.GET)
              .setAbsoluteURI(server.url() + "/flood"))
          .compose(req -> req.send())
          .compose(resp -> BoundedBody.read(resp, "a test answer", CAP))
          .await(60, TimeUnit.SECONDS))
          .isInstanceOf(AnswerTooLargeException.class);
      awaitDropped(server);
      assertThat(server.written()).isLessThan(CAP + SLACK);
    }
  }

  @Test
  void coreRead_chunkedGigabyte_failsAtCap() throws Exception {
    try (FloodServer server = flood(Announce.CHUNKED)) {
      HttpClient client = vertx.createHttpClient();
      assertThatThrownBy(() -> client.request(new RequestOptions().setMethod(HttpMethod.GET)
              .setAbsoluteURI(server.url() + "/flood"))
          .compose(req -> req.send())
          .compose(resp -> BoundedBody.read(resp, "a test answer", CAP))
          .await(60, TimeUnit.SECONDS))
          .isInstanceOf(AnswerTooLargeException.class);
      awaitDropped(server);
      assertThat(server.written()).isLessThan(CAP + SLACK);
    }
  }

  @Test
  void jdkSend_announcedGigabyte_failsTypedBeforeReading() throws Exception {
    try (FloodServer server = flood(Announce.HONEST_LENGTH)) {
      java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
      HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/flood")).timeout(Duration.ofSeconds(60))
          .build();
      assertThatThrownBy(() -> BoundedBody.send(client, req, "a test answer", CAP))
          .isInstanceOf(AnswerTooLargeException.class);
      awaitDropped(server);
      assertThat(server.written()).isLessThan(CAP + SLACK);
    }
  }

  @Test
  void jdkSend_chunkedGigabyte_failsAtCap() throws Exception {
    try (FloodServer server = flood(Announce.CHUNKED)) {
      java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
      HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/flood")).timeout(Duration.ofSeconds(60))
          .build();
      assertThatThrownBy(() -> BoundedBody.send(client, req, "a test answer", CAP))
          .isInstanceOf(AnswerTooLargeException.class);
      awaitDropped(server);
      assertThat(server.written()).isLessThan(CAP + SLACK);
    }
  }

  @Test
  void jdkSend_smallAnswer_isRead() throws Exception {
    try (FloodServer server = flood(Announce.CHUNKED)) {
      java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
      HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/small")).build();
      assertThat(new String(BoundedBody.send(client, req, "a test answer", CAP).body(), StandardCharsets.UTF_8))
          .isEqualTo("{\"ok\":true}");
    }
  }

  @Test
  void exchange_gigabyteReadInASmallHeap_failsTypedWithoutRunningOutOfMemory() throws Exception {
    try (FloodServer server = flood(Announce.CHUNKED)) {
      Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx48m", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
          SmallHeapReader.class.getName(), server.url() + "/flood", Integer.toString(8 << 20))
          .redirectErrorStream(true).start();
      String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(child.waitFor(180, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).as(out).isZero();
      assertThat(out).contains("outcome=AnswerTooLargeException");
    }
  }

  /** The server sees the reader's close; generous, for a loaded machine. */
  static void awaitDropped(FloodServer server) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (server.dropped() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(server.dropped()).as("the reader dropped the connection").isGreaterThanOrEqualTo(1);
  }
}
