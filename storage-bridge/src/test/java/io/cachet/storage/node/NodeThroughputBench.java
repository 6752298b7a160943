package io.cachet.storage.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node's ingest and serve rate with 1 MiB shards over loopback. Off unless asked for:
 * {@code mvn -B -o -q -pl storage-bridge test -Dtest=NodeThroughputBench -Dcachet.bench=true}.
 */
@EnabledIfSystemProperty(named = "cachet.bench", matches = "true")
class NodeThroughputBench {
  @TempDir
  Path root;

  @Test
  void ingestAndServe() throws Exception {
    int shard = 1 << 20;
    int stripes = 128;
    int parallel = 8;
    List<NodeInfo> infos = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      infos.add(new NodeInfo("node-" + i, i, "http://127.0.0.1", NodeKeys.loadOrCreate(root.resolve("n" + i)).publicKey()));
    }
    NetworkConfig network = new NetworkConfig(infos, shard, new EpochSchedule(0, 1000, 53));
    Encoding enc = network.encoding();
    long length = (long) stripes * enc.stripeDataSize();
    byte[][] mine = new byte[stripes][];
    byte[] digests = new byte[stripes * 7 * 32];
    java.util.Random r = new java.util.Random(1);
    for (int s = 0; s < stripes; s++) {
      mine[s] = new byte[shard];
      r.nextBytes(mine[s]);
      for (int i = 0; i < 7; i++) {
        System.arraycopy(Hashes.shardDigest(mine[s], 0, shard), 0, digests, (s * 7 + i) * 32, 32);
      }
    }
    BlobMetadata meta = BlobMetadata.of(enc, length, digests);
    Vertx vertx = Vertx.vertx();
    StorageNode node = new StorageNode(new NodeConfig(root.resolve("n0"), 0, network, "127.0.0.1", 0, 60_000, 600_000,
        () -> 10_500));
    vertx.deployVerticle(node).toCompletionStage().toCompletableFuture().get();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base = "http://127.0.0.1:" + node.actualPort();
    for (int round = 0; round < 6; round++) {
      String upload = "bench" + round;
      Semaphore permits = new Semaphore(parallel);
      List<CompletableFuture<HttpResponse<Void>>> all = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int s = 0; s < stripes; s++) {
        permits.acquire();
        all.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/uploads/" + upload + "/stripes/" + s))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(mine[s])).build(), HttpResponse.BodyHandlers.discarding())
            .whenComplete((x, e) -> permits.release()));
      }
      for (var f : all) {
        assertThat(f.get().statusCode()).isEqualTo(204);
      }
      HttpResponse<String> c = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/uploads/" + upload + "/commit"))
          .POST(HttpRequest.BodyPublishers.ofString(NodeFixture.commitBody(meta, 20))).build(),
          HttpResponse.BodyHandlers.ofString());
      long t1 = System.nanoTime();
      assertThat(c.statusCode()).isEqualTo(200);
      List<CompletableFuture<HttpResponse<byte[]>>> gets = new ArrayList<>();
      for (int s = 0; s < stripes; s++) {
        permits.acquire();
        gets.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/blobs/" + meta.blobId() + "/stripes/" + s))
            .build(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((x, e) -> permits.release()));
      }
      for (var f : gets) {
        assertThat(f.get().body().length).isEqualTo(shard);
      }
      long t2 = System.nanoTime();
      double mb = stripes * (double) shard / 1e6;
      System.out.printf("round %d: ingest %.0f MB/s (incl. commit), serve %.0f MB/s%n", round,
          mb / ((t1 - t0) / 1e9), mb / ((t2 - t1) / 1e9));
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
