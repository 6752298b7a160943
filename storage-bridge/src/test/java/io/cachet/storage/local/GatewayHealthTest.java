package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's {@code GET /health} says why it is not serving, from what the nodes answer: 7
 * real nodes (f = 2, a put needs 5, a read 3), some stopped, and hostile stand-ins on a stopped
 * node's port: one that takes the connection and never answers (a stopped process), one that
 * answers as a node whose disk is full. Every answer is the one JSON shape, 503 with the reason
 * naming the nodes when the gateway cannot serve, and comes although a node says nothing.
 */
class GatewayHealthTest {
  @TempDir
  Path root;

  private LocalNet net;
  private HttpServer hostile;
  /** More hostile stand-ins, for tests that need several. */
  private final List<HttpServer> hostiles = new ArrayList<>();

  @BeforeEach
  void setUp() {
    net = LocalNet.start(root, 1024);
  }

  @AfterEach
  void tearDown() {
    if (hostile != null) {
      LocalNet.await(hostile.close());
    }
    for (HttpServer h : hostiles) {
      LocalNet.await(h.close());
    }
    net.close();
  }

  @Test
  void health_nodesStopped_saysNoWriteQuorumThenNoReadQuorum_readsGoOnMeanwhile() throws Exception {
    JsonObject up = health(200);
    assertThat(up.getString("status")).isEqualTo("serving");
    assertThat(up.getInteger("nodesServing")).isEqualTo(7);
    assertThat(up.getString("ledger")).isEqualTo("none");
    byte[] data = LocalNet.random(10_000, 3);
    BlobId blob = net.store(data, 2).blobId();
    net.awaitCertificates(blob);

    net.stop(0, 1, 2);
    JsonObject noWrites = health(503);
    assertThat(noWrites.getString("status")).isEqualTo("no_write_quorum");
    assertThat(noWrites.getString("reason")).contains("only 4 of 7 nodes serve and a put needs 5")
        .contains("reads go on").contains("node-0 (unreachable)").contains("node-2 (unreachable)");
    assertThat(net.read(blob)).as("what the reason promises").isEqualTo(data);

    net.stop(3, 4);
    JsonObject nothing = health(503);
    assertThat(nothing.getString("status")).isEqualTo("no_read_quorum");
    assertThat(nothing.getString("reason")).contains("only 2 of 7 nodes can serve a read and a read needs 3");
    assertThat(nothing.getJsonArray("problems")).hasSize(2);

    net.allUp();
    assertThat(health(200).getString("status")).isEqualTo("serving");
  }

  @Test
  void health_nodeTakesConnectionAndNeverAnswers_answersAnywayCountingItDown() {
    net.stop(6);
    hostile = LocalNet.await(net.vertx.createHttpServer().requestHandler(request -> { })
        .listen(port(6), "127.0.0.1"));
    JsonObject one = health(200);
    assertThat(one.getJsonObject("nodeStatus").getString("node-6")).startsWith("no answer within");
    assertThat(one.getInteger("nodesServing")).isEqualTo(6);

    net.stop(0, 1);
    JsonObject three = health(503);
    assertThat(three.getString("status")).isEqualTo("no_write_quorum");
    assertThat(three.getString("reason")).contains("node-6 (no answer within");
  }

  @Test
  void health_nodeAnswersDiskFull_countsForReadsNotWrites() {
    net.stop(0, 1, 6);
    hostile = LocalNet.await(net.vertx.createHttpServer().requestHandler(request -> request.response()
        .setStatusCode(503).putHeader("content-type", "application/json")
        .end("{\"status\":\"disk_full\",\"reason\":\"the data directory's disk has 0 bytes free\"}"))
        .listen(port(6), "127.0.0.1"));
    JsonObject json = health(503);
    assertThat(json.getString("status")).isEqualTo("no_write_quorum");
    assertThat(json.getString("reason")).contains("node-6 (disk_full)");
    assertThat(json.getInteger("nodesAnswering")).isEqualTo(5);
    assertThat(json.getInteger("nodesServing")).isEqualTo(4);
  }

  @Test
  void health_nodesAnswerFailedWithTheirDataGone_areNotCountedForReads() {
    net.stop(2, 3, 4, 5, 6);
    for (int i = 2; i <= 6; i++) {
      hostiles.add(LocalNet.await(net.vertx.createHttpServer().requestHandler(request -> request.response()
          .setStatusCode(503).putHeader("content-type", "application/json")
          .end("{\"status\":\"failed\",\"reads\":false,\"reason\":\"the data directory is gone\"}"))
          .listen(port(i), "127.0.0.1")));
    }
    JsonObject json = health(503);
    assertThat(json.getString("status")).as("five nodes answer, but only two can serve a read")
        .isEqualTo("no_read_quorum");
    assertThat(json.getString("reason")).contains("only 2 of 7 nodes can serve a read")
        .contains("node-4 (failed, cannot serve reads)");
    assertThat(json.getJsonArray("problems").encode()).doesNotContain("reads go on");
    assertThat(json.getInteger("nodesAnswering")).isEqualTo(7);
    assertThat(json.getInteger("nodesReadable")).isEqualTo(2);
  }

  @Test
  void health_nodeAnswersFailedAfterAWriteFailure_stillCountsForReads() {
    net.stop(0, 1, 6);
    hostile = LocalNet.await(net.vertx.createHttpServer().requestHandler(request -> request.response()
        .setStatusCode(503).putHeader("content-type", "application/json")
        .end("{\"status\":\"failed\",\"reads\":true,\"reason\":\"a write failed\"}"))
        .listen(port(6), "127.0.0.1"));
    JsonObject json = health(503);
    assertThat(json.getString("status")).isEqualTo("no_write_quorum");
    assertThat(json.getString("reason")).contains("reads go on");
    assertThat(json.getInteger("nodesReadable")).isEqualTo(5);
  }

  private int port(int node) {
    String url = net.nodeUrl(node);
    return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
  }

  @Test
  void health_carriesEachNodesUsedSpace_andWhatRepairFoundAndDid() throws Exception {
    JsonObject before = health(200);
    assertThat(before.getJsonObject("repair").getLong("passes")).isZero();
    assertThat(before.getJsonObject("repair").containsKey("lastPass")).isFalse();
    assertThat(before.getJsonObject("nodeReports").getJsonObject("node-3").getLong("usedBytes")).isZero();
    // 10 000 bytes in 1 KiB shards, k = 3: 4 stripes, the last one's shards 262 bytes
    BlobId blob = net.store(LocalNet.random(10_000, 4), 2).blobId();
    net.awaitCertificates(blob);
    net.awaitOnEveryNode(blob);
    Path shards = net.blobDir(2, blob).resolve("shards");
    try (RandomAccessFile f = new RandomAccessFile(shards.toFile(), "rw")) {
      f.seek(100);
      int b = f.read();
      f.seek(100);
      f.write(b ^ 0x40);
    }

    JsonObject held = health(200);
    for (int i = 0; i < LocalNet.N; i++) {
      JsonObject node = held.getJsonObject("nodeReports").getJsonObject("node-" + i);
      assertThat(node.getString("status")).isEqualTo("serving");
      assertThat(node.getLong("blobs")).isEqualTo(1);
      assertThat(node.getLong("shards")).isEqualTo(4);
      assertThat(node.getLong("usedBytes")).isEqualTo(3 * 1024 + 262);
      assertThat(node.getLong("freeBytes")).isPositive();
    }

    LocalNet.await(net.net.gateway().repairNow());
    JsonObject repair = health(200).getJsonObject("repair");
    assertThat(repair.getBoolean("running")).isFalse();
    assertThat(repair.getLong("passes")).isEqualTo(1);
    assertThat(repair.getLong("shardsRepaired")).isEqualTo(1);
    JsonObject last = repair.getJsonObject("lastPass");
    assertThat(last.getLong("blobs")).isEqualTo(1);
    assertThat(last.getLong("shardsChecked")).isEqualTo(4 * LocalNet.N);
    assertThat(last.getLong("shardsBad")).isEqualTo(1);
    assertThat(last.getLong("shardsRepaired")).isEqualTo(1);
    assertThat(last.getLong("atMillis")).isPositive();

    net.stop(5);
    JsonObject down = health(200).getJsonObject("nodeReports").getJsonObject("node-5");
    assertThat(down.getString("status")).isEqualTo("unreachable");
    assertThat(down.containsKey("usedBytes")).as("no numbers for a node that did not answer").isFalse();
  }

  private JsonObject health(int status) {
    HttpResponse<byte[]> r = net.gatewayGet("/health");
    String body = new String(r.body(), StandardCharsets.UTF_8);
    assertThat(r.statusCode()).as(body).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t)
        .startsWith("application/json"));
    assertThat(body).doesNotContain(root.toString()).doesNotContain("Exception");
    return new JsonObject(body);
  }
}
