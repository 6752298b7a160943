package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.gateway.CertificateSink;
import io.cachet.storage.gateway.Gateway;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway asked to stop (SIGTERM in {@code cachet gateway serve}) while a put is under way lets
 * that put finish and answer before it closes, and takes no new connection meanwhile.
 */
class GatewayStopTest {
  @TempDir
  Path root;

  @Test
  void stop_putUnderWay_finishesAndAnswers() throws Exception {
    try (LocalNet ln = LocalNet.start(root, 4096)) {
      Gateway gateway = new Gateway(ln.net.gatewayConfig(), CertificateSink.NONE);
      String deployment = ln.vertx.deployVerticle(gateway).await(30, TimeUnit.SECONDS);
      byte[] blob = new byte[64 * 1024];
      new Random(7).nextBytes(blob);
      CountDownLatch halfSent = new CountDownLatch(1);
      CountDownLatch goOn = new CountDownLatch(1);
      InputStream body = new InputStream() {
        private int at;

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (at == blob.length / 2) {
            halfSent.countDown();
            try {
              goOn.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
          }
          if (at >= blob.length) {
            return -1;
          }
          int n = Math.min(len, (at < blob.length / 2 ? blob.length / 2 : blob.length) - at);
          System.arraycopy(blob, at, b, off, n);
          at += n;
          return n;
        }
      };
      CompletableFuture<HttpResponse<String>> put = ln.http.sendAsync(
          HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/blobs?epochs=1")).timeout(Duration.ofMinutes(1))
              .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(halfSent.await(60, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(200); // the first half reaches the gateway (no clock to inject: this is the network)
      Future<Void> stopped = ln.vertx.undeploy(deployment);
      Thread.sleep(200);
      goOn.countDown();

      HttpResponse<String> answer = put.get(60, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(answer.body()).contains("newlyCreated");
      stopped.await(60, TimeUnit.SECONDS);
    }
  }
}
