package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Connect failures found in a cause chain and put in words, whichever HTTP stack raised them. */
class UnreachableTest {
  /** A loopback port nothing listens on: bound and released, so a connection to it is refused. */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void in_aRealRefusedVertxConnection_namesHostAndPort() throws Exception {
    int port = closedPort();
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient http = vertx.createHttpClient();
      Throwable failure = http.request(new RequestOptions().setMethod(HttpMethod.GET)
              .setAbsoluteURI("http://127.0.0.1:" + port + "/v1/secret-path"))
          .compose(r -> r.send()).toCompletionStage().toCompletableFuture()
          .handle((ok, e) -> e).get(30, TimeUnit.SECONDS);
      Unreachable u = Unreachable.in(new IOException("wrapped", failure)).orElseThrow();
      assertThat(u.how()).isEqualTo(Unreachable.How.REFUSED);
      assertThat(u.where()).isEqualTo("127.0.0.1:" + port);
      assertThat(u.describe()).isEqualTo("connection refused at 127.0.0.1:" + port).doesNotContain("secret-path");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void whereIn_theTextsOfNettyOkHttpAndTheJdk_findsTheLastHostPort() {
    assertThat(Unreachable.whereIn("Connection refused: /127.0.0.1:37493")).isEqualTo("127.0.0.1:37493");
    assertThat(Unreachable.whereIn("Connection refused: localhost/127.0.0.1:8545")).isEqualTo("127.0.0.1:8545");
    assertThat(Unreachable.whereIn("Failed to connect to /127.0.0.1:8545")).isEqualTo("127.0.0.1:8545");
    assertThat(Unreachable.whereIn("connection timed out after 10000 ms: ledger.example.org/10.0.0.7:443"))
        .isEqualTo("10.0.0.7:443");
    assertThat(Unreachable.whereIn(null)).isNull();
    assertThat(Unreachable.whereIn("Connection refused")).isNull();
  }

  @Test
  void in_aFailureWithoutAConnectFailure_isEmpty_andDescribeKeepsItsMessage() {
    IOException other = new IOException("ledger answered HTTP 503");
    assertThat(Unreachable.in(other)).isEmpty();
    assertThat(Unreachable.describe(other)).isEqualTo("ledger answered HTTP 503");
  }

  @Test
  void in_aConnectFailureUnderARuntimeWrapper_isFound() {
    RuntimeException wrapped = new UncheckedIOException(new IOException("rpc", new ConnectException(
        "Failed to connect to /127.0.0.1:9")));
    assertThat(Unreachable.in(wrapped)).hasValue(new Unreachable(Unreachable.How.REFUSED, "127.0.0.1:9"));
  }

  @Test
  void where_ofAUrl_isHostAndPortOnly_withTheSchemesDefault() {
    assertThat(Unreachable.where(URI.create("https://publisher.example.org/keys/abc"))).isEqualTo(
        "publisher.example.org:443");
    assertThat(Unreachable.where(URI.create("http://127.0.0.1:31416/v1"))).isEqualTo("127.0.0.1:31416");
  }

  @Test
  void describe_aRealVertxRequestTimeout_keepsNoPartOfTheRequestUri() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // a server that takes the request and never answers
      var server = vertx.createHttpServer().requestHandler(r -> { })
          .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      HttpClient http = vertx.createHttpClient();
      Throwable failure = http.request(new RequestOptions().setMethod(HttpMethod.GET).setTimeout(200)
              .setAbsoluteURI("http://127.0.0.1:" + server.actualPort() + "/apikey-S3CRET/v1/head"))
          .compose(r -> r.send()).toCompletionStage().toCompletableFuture()
          .handle((ok, e) -> e).get(30, TimeUnit.SECONDS);
      assertThat(failure).isNotNull();
      assertThat(Unreachable.describe(failure)).doesNotContain("S3CRET").contains("timeout");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
