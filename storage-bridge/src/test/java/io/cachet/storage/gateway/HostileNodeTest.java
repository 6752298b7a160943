package io.cachet.storage.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.common.http.FloodServer;
import io.cachet.common.http.FloodServer.Announce;
import io.cachet.storage.BlobId;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.NodeKey;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Storage nodes that answer a read with a gigabyte (a real loopback server generating it on the
 * fly): the node client stops at the cap of the answer's kind with ANSWER_TOO_LARGE, drops the
 * connection, and the gateway answers its reader 503 instead of buffering the flood.
 */
class HostileNodeTest {
  /** Shards of this network: a shard read is capped at its length, a few KiB. */
  private static final int SHARD_SIZE = 4096;
  /** The gateway's largest blob here, which sets the metadata cap (a few KiB of digests). */
  private static final long MAX_BLOB = 1 << 20;
  /** What the flood may have pushed past a cap into socket buffers before the reader's close: far below 1 GiB. */
  private static final long SLACK = 32L << 20;
  private static final BlobId BLOB = BlobId.of(new byte[BlobId.LENGTH]);

  private Vertx vertx;
  private FloodServer flood;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (flood != null) {
      flood.close();
    }
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private static NetworkConfig network(String url, int n) {
    List<NodeInfo> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add(new NodeInfo("node-" + i, i, url, NodeKey.generate().publicKey()));
    }
    return new NetworkConfig(nodes, SHARD_SIZE, new EpochSchedule(0, 86_400_000L, 100));
  }

  private void floodEverything(Announce announce) throws Exception {
    flood = FloodServer.start(req -> true, announce, "", req -> { });
  }

  private NodeClient client(int n) {
    return new NodeClient(vertx, network(flood.url(), n), 60_000, MAX_BLOB, NodeKey.generate(), System::currentTimeMillis);
  }

  @Test
  void metadata_nodeStreamingAGigabyte_failsAtCapAndDropsConnection() throws Exception {
    floodEverything(Announce.CHUNKED);
    NodeClient nodes = client(1);
    assertThatThrownBy(() -> nodes.metadata(0, BLOB).await(60, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(NodeCallException.class, e -> {
          assertThat(e.reason()).isEqualTo(AnswerTooLargeException.REASON);
          assertThat(e.getMessage()).contains("metadata");
        });
    awaitDropped(1);
    assertThat(flood.written()).isLessThan(SLACK);
  }

  @Test
  void stripe_nodeAnnouncingAGigabyte_isRefusedBeforeReading() throws Exception {
    floodEverything(Announce.HONEST_LENGTH);
    NodeClient nodes = client(1);
    assertThatThrownBy(() -> nodes.stripe(0, BLOB, 0, SHARD_SIZE).await(60, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(NodeCallException.class,
            e -> assertThat(e.reason()).isEqualTo(AnswerTooLargeException.REASON));
    awaitDropped(1);
    assertThat(flood.written()).isLessThan(SLACK);
  }

  @Test
  void stripe_nodeStreamingPastTheShard_failsAtTheShardLength() throws Exception {
    floodEverything(Announce.CHUNKED);
    NodeClient nodes = client(1);
    assertThatThrownBy(() -> nodes.stripe(0, BLOB, 0, SHARD_SIZE).await(60, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(NodeCallException.class, e -> {
          assertThat(e.reason()).isEqualTo(AnswerTooLargeException.REASON);
          assertThat(e.unreachable()).as("a flooding node is treated like a silent one").isTrue();
        });
    awaitDropped(1);
    assertThat(flood.written()).isLessThan(SLACK);
  }

  @Test
  void challengeHealthListing_nodeStreamingAGigabyte_failAtTheirCaps() throws Exception {
    floodEverything(Announce.CHUNKED);
    NodeClient nodes = client(1);
    assertThatThrownBy(() -> nodes.challenge(0, BLOB, 0).await(60, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(NodeCallException.class,
            e -> assertThat(e.reason()).isEqualTo(AnswerTooLargeException.REASON));
    assertThatThrownBy(() -> nodes.health(0, BLOB).await(60, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(NodeCallException.class,
            e -> assertThat(e.reason()).isEqualTo(AnswerTooLargeException.REASON));
    assertThatThrownBy(() -> nodes.list(0, null, 100).await(60, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(NodeCallException.class,
            e -> assertThat(e.reason()).isEqualTo(AnswerTooLargeException.REASON));
    awaitDropped(3);
    assertThat(flood.written()).isLessThan(3 * (NodeClient.MAX_NODE_JSON_BYTES + SLACK));
  }

  @Test
  void gatewayRead_everyNodeFlooding_answers503AndStopsReading() throws Exception {
    floodEverything(Announce.CHUNKED);
    int n = 4;
    Gateway gateway = new Gateway(GatewayConfig.defaults(network(flood.url(), n), NodeKey.generate()).withMaxBlobSize(MAX_BLOB),
        CertificateSink.NONE);
    vertx.deployVerticle(gateway).await(60, TimeUnit.SECONDS);
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/blobs/" + BLOB)).timeout(Duration.ofSeconds(60))
            .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("BLOB_UNAVAILABLE").hasSizeLessThan(4096);
    awaitDropped(n);
    assertThat(flood.written()).isLessThan(n * SLACK);
  }

  private void awaitDropped(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (flood.dropped() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(flood.dropped()).as("connections the reader dropped").isGreaterThanOrEqualTo(count);
  }
}
