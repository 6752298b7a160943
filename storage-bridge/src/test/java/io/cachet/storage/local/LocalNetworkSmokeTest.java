package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalNetworkSmokeTest {
  @TempDir Path root;
  Vertx vertx;
  LocalNetwork net;
  WalrusBlobStore store;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    net = LocalNetwork.start(vertx, root, LocalNetwork.Options.defaults().withNodes(7, 64 * 1024).withIntervals(0, 0))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    store = WalrusBlobStore.connect(net.gatewayUrl(), net.gatewayUrl());
  }

  @AfterEach
  void down() throws Exception {
    store.close();
    net.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void storesAndReadsBack() throws Exception {
    byte[] data = new byte[1_000_003];
    new Random(7).nextBytes(data);
    StoreResult r = store.store(BlobSource.ofBytes(data), StoreOptions.epochs(3));
    assertThat(r.alreadyCertified()).isFalse();
    try (InputStream in = store.read(r.blobId())) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    try (InputStream in = store.read(r.blobId(), 196_600, 100_000)) {
      byte[] expected = java.util.Arrays.copyOfRange(data, 196_600, 296_600);
      assertThat(in.readAllBytes()).isEqualTo(expected);
    }
    StoreResult again = store.store(BlobSource.ofBytes(data), StoreOptions.epochs(2));
    assertThat(again.alreadyCertified()).isTrue();
    assertThat(again.blobId()).isEqualTo(r.blobId());
    for (int i = 0; i < 4; i++) {
      net.stopNode(i).toCompletionStage().toCompletableFuture().get();
    }
    try (InputStream in = store.read(r.blobId())) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void uploadsCutOffMidwayFreeTheirSlot() throws Exception {
    java.net.URI uri = java.net.URI.create(net.gatewayUrl());
    // More cut-off uploads than the publisher runs at once: a leaked slot would turn the next into 429.
    for (int i = 0; i < 6; i++) {
      try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
        java.io.OutputStream out = socket.getOutputStream();
        out.write(("PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(new byte[500_000]);
        out.flush();
      }
    }
    Thread.sleep(300);
    byte[] data = new byte[70_000];
    new Random(9).nextBytes(data);
    StoreResult r = store.store(BlobSource.ofBytes(data), StoreOptions.epochs(1));
    try (InputStream in = store.read(r.blobId())) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void tooManyNodesDownIsAClearErrorNotAHang() throws Exception {
    byte[] data = new byte[300_000];
    new Random(11).nextBytes(data);
    StoreResult r = store.store(BlobSource.ofBytes(data), StoreOptions.epochs(1));
    for (int i = 0; i < 5; i++) {
      net.stopNode(i).toCompletionStage().toCompletableFuture().get();
    }
    java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(net.gatewayUrl() + "/v1/blobs/" + r.blobId()))
            .timeout(java.time.Duration.ofSeconds(20)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(answer.body()).contains("BLOB_UNAVAILABLE");
  }
}
