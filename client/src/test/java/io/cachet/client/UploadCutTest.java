package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.storage.StorageException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A publisher that takes part of an upload and then drops the connection: the put fails with the
 * upload's own typed error, not with the sealer's "the upload stopped reading", which is only that
 * failure seen from the other end of the pipe.
 */
class UploadCutTest {
  @TempDir
  Path dir;

  @Test
  void put_publisherDropsTheConnectionMidUpload_failsWithTheUploadsTypedError() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicLong taken = new AtomicLong();
    HttpServer cutter = vertx.createHttpServer().requestHandler(req -> req.handler(chunk -> {
      if (taken.addAndGet(chunk.length()) > (1 << 20)) {
        req.connection().close();
      }
    }));
    try (TestNetwork net = new TestNetwork(dir)) {
      int port = cutter.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
          .actualPort();
      String descriptor = net.descriptor(Map.of()).replaceFirst("\"publisher\":\"[^\"]+\"",
          "\"publisher\":\"http://127.0.0.1:" + port + "\"");
      Identity owner = Identity.generate(new SecureRandom());
      try (CachetClient client = CachetClient.open(ClientConfig.parse(descriptor), owner)) {
        PolicyId policy = client.createAllowList();
        byte[] data = new byte[8 << 20];
        assertThatThrownBy(() -> client.put(new ByteArrayInputStream(data), data.length, policy, 1))
            .isInstanceOf(StorageException.class)
            .satisfies(e -> assertThat(e).isNotInstanceOf(SealingPipe.ReaderGone.class));
      }
      assertThat(taken.get()).as("the publisher saw the upload begin").isGreaterThan(1 << 20);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
