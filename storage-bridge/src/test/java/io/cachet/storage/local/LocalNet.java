package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.walrus.RetryPolicy;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A real local network (7 nodes and the gateway on loopback, real keys, real files) for the
 * end-to-end tests, with a Walrus client that retries little (so a failure shows fast) and a raw
 * HTTP client for what the Walrus client cannot send. Repair and audit run only when a test asks.
 */
final class LocalNet implements AutoCloseable {
  static final int N = 7;

  final Vertx vertx;
  final Path root;
  final LocalNetwork net;
  final WalrusBlobStore store;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private LocalNet(Vertx vertx, Path root, LocalNetwork net) {
    this.vertx = vertx;
    this.root = root;
    this.net = net;
    // Every test relies on this: two nodes on one port would silently share it.
    java.util.Set<String> ports = new java.util.HashSet<>();
    net.network().nodes().forEach(n -> ports.add(n.url().substring(n.url().lastIndexOf(':'))));
    ports.add(net.gatewayUrl().substring(net.gatewayUrl().lastIndexOf(':')));
    assertThat(ports).as("distinct node and gateway ports").hasSize(net.network().n() + 1);
    this.store = new WalrusBlobStore(WalrusConfig.builder().publisher(net.gatewayUrl())
        .aggregator(net.gatewayUrl()).requestTimeout(Duration.ofSeconds(60)).retry(fastRetry()).build());
  }

  /** 7 nodes with {@code shardSize}-byte shards, no periodic repair or audit. */
  static LocalNet start(Path root, int shardSize) {
    return start(root, LocalNetwork.Options.defaults().withNodes(N, shardSize).withIntervals(0, 0));
  }

  static LocalNet start(Path root, LocalNetwork.Options options) {
    Vertx vertx = Vertx.vertx();
    return new LocalNet(vertx, root, await(LocalNetwork.start(vertx, root, options)));
  }

  /** Two attempts, short waits, no patience for Retry-After or a 404 after our own upload. */
  static RetryPolicy fastRetry() {
    return RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(20))
        .maxBackoff(Duration.ofMillis(20)).maxRetryAfter(Duration.ZERO).notFoundWindow(Duration.ZERO)
        .notFoundAttempts(1).build();
  }

  @Override
  public void close() {
    store.close();
    await(net.close());
    await(vertx.close());
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future failed: " + e, e);
    }
  }

  static byte[] random(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  // ---------------------------------------------------------------- nodes

  void stop(int... nodes) {
    for (int i : nodes) {
      await(net.stopNode(i));
    }
  }

  void start(int... nodes) {
    for (int i : nodes) {
      await(net.startNode(i));
    }
  }

  /** Leaves exactly the nodes in {@code down} stopped, starting or stopping only what differs. */
  void down(Collection<Integer> down) {
    for (int i = 0; i < N; i++) {
      if (down.contains(i)) {
        await(net.stopNode(i));
      }
    }
    for (int i = 0; i < N; i++) {
      if (!down.contains(i)) {
        await(net.startNode(i));
      }
    }
  }

  void allUp() {
    down(List.of());
  }

  Path blobDir(int node, BlobId id) {
    return net.nodeDir(node).resolve("blobs").resolve(id.toString());
  }

  String nodeUrl(int node) {
    return net.network().nodes().get(node).url();
  }

  // ---------------------------------------------------------------- client

  StoreResult store(byte[] data, int epochs) throws StorageException {
    return store.store(BlobSource.ofBytes(data), StoreOptions.epochs(epochs));
  }

  byte[] read(BlobId id) throws IOException {
    try (InputStream in = store.read(id)) {
      return in.readAllBytes();
    }
  }

  byte[] read(BlobId id, long offset, long length) throws IOException {
    try (InputStream in = store.read(id, offset, length)) {
      return in.readAllBytes();
    }
  }

  /**
   * Waits until every running node keeps the blob's certificate. The publisher answers once 2f + 1
   * nodes confirmed and pushes the full certificate to the nodes just after; a test that stops a
   * node or touches its files right after a store waits for that first.
   */
  void awaitCertificates(BlobId id) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (int i = 0; i < N; i++) {
      while (net.nodeRunning(i) && nodeGet(i, "/v1/blobs/" + id + "/certificate").statusCode() != 200) {
        assertThat(System.nanoTime()).as("node %d never got the certificate of %s", i, id).isLessThan(deadline);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  // ---------------------------------------------------------------- raw HTTP

  HttpResponse<byte[]> send(HttpRequest.Builder request) {
    try {
      return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  HttpResponse<byte[]> get(String url, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b);
  }

  HttpResponse<byte[]> gatewayGet(String path, String... headers) {
    return get(net.gatewayUrl() + path, headers);
  }

  HttpResponse<byte[]> nodeGet(int node, String path) {
    return get(nodeUrl(node) + path);
  }

  JsonObject nodeJson(int node, String path) {
    HttpResponse<byte[]> r = nodeGet(node, path);
    assertThat(r.statusCode()).as("GET %s on node %d: %s", path, node, new String(r.body())).isEqualTo(200);
    return new JsonObject(io.vertx.core.buffer.Buffer.buffer(r.body()));
  }

  /** The blob ids node {@code node} lists (first page is enough for these tests). */
  List<String> listed(int node) {
    JsonArray blobs = nodeJson(node, "/v1/blobs?limit=1000").getJsonArray("blobs");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < blobs.size(); i++) {
      ids.add(blobs.getJsonObject(i).getString("blobId"));
    }
    return ids;
  }

  /**
   * Waits until every node lists each blob. A put returns once 2f + 1 nodes confirm; on a loaded
   * machine the rest may still be receiving, and a test that then stops nodes at will must not
   * count on a shard that was never written.
   */
  void awaitOnEveryNode(BlobId... ids) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    for (int node = 0; node < N; node++) {
      while (true) {
        List<String> held = listed(node);
        boolean all = true;
        for (BlobId id : ids) {
          all &= held.contains(id.toString());
        }
        if (all) {
          break;
        }
        assertThat(System.nanoTime()).as("node %d never listed %s", node, java.util.Arrays.toString(ids))
            .isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  /** Asserts an AIP-193 error: status, ErrorInfo reason, and returns the message. */
  static String assertError(HttpResponse<byte[]> r, int status, String reason) {
    String body = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(r.statusCode()).as("status of %s", body).isEqualTo(status);
    JsonObject error = new JsonObject(body).getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(status);
    assertThat(error.getString("status")).isNotBlank();
    assertThat(error.getJsonArray("details").getJsonObject(0).getString("reason")).as(body).isEqualTo(reason);
    assertThat(error.getJsonArray("details").getJsonObject(0).getString("@type"))
        .isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
    return error.getString("message");
  }
}
