package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.gateway.Repairer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shards damaged on disk behind the node's back (a flipped byte, a truncated file, a deleted
 * file): the node refuses to serve them, the gateway reads around them, repair rewrites them, and
 * the node is whole again.
 */
class ShardDamageTest {
  static final int SHARD = 4096;
  static final int STRIPE = 3 * SHARD;
  static final int STRIPES = 11;

  @TempDir Path root;
  LocalNet net;
  byte[] data;
  BlobId id;
  BlobMetadata meta;

  @BeforeEach
  void up() throws Exception {
    net = LocalNet.start(root, SHARD);
    data = LocalNet.random((STRIPES - 1) * STRIPE + 2500, 4);
    id = net.store(data, 5).blobId();
    net.awaitCertificates(id); // the answer came at 2f + 1 confirmations; the tests touch every node's files
    meta = BlobMetadata.parse(Files.readAllBytes(net.blobDir(0, id).resolve("metadata")));
    assertThat(meta.stripes()).isEqualTo(STRIPES);
  }

  @AfterEach
  void down() {
    net.close();
  }

  private Path shards(int node) {
    return net.blobDir(node, id).resolve("shards");
  }

  private static void flip(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x40);
    }
  }

  private HttpResponse<byte[]> stripe(int node, long s) {
    return net.nodeGet(node, "/v1/blobs/" + id + "/stripes/" + s);
  }

  private JsonObject health(int node) {
    return net.nodeJson(node, "/v1/blobs/" + id + "/health");
  }

  /** After repair the node is whole: every stripe served and matching the metadata, scrub clean. */
  private void assertWhole(int node) {
    JsonObject h = health(node);
    assertThat(h.getJsonArray("bad")).as("node %d health %s", node, h).isEmpty();
    assertThat(h.getJsonArray("missing")).isEmpty();
    assertThat(h.getJsonArray("corrupt")).isEmpty();
    for (long s = 0; s < STRIPES; s++) {
      HttpResponse<byte[]> r = stripe(node, s);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(meta.matches(s, node, r.body(), 0, r.body().length)).isTrue();
    }
  }

  /** Reads with only {@code node} and two others up: the node's repaired shards are needed. */
  private void assertReadableWith(int node) throws Exception {
    List<Integer> up = List.of(node, (node + 3) % 7, (node + 5) % 7);
    net.down(IntStream.range(0, 7).boxed().filter(i -> !up.contains(i)).toList());
    assertThat(net.read(id)).as("only %s up", up).isEqualTo(data);
    net.allUp();
  }

  @Test
  void flippedByteIsRefusedReadAroundAndRepaired() throws Exception {
    int node = 1;
    flip(shards(node), 3L * SHARD + 100);
    LocalNet.assertError(stripe(node, 3), 500, "SHARD_CORRUPT");
    assertThat(stripe(node, 2).statusCode()).isEqualTo(200);
    assertThat(stripe(node, 4).statusCode()).isEqualTo(200);
    assertThat(health(node).getJsonArray("corrupt").getList()).containsExactly(3);

    assertThat(net.read(id)).isEqualTo(data);
    assertThat(net.read(id, 3L * STRIPE + SHARD, SHARD)).isEqualTo(Arrays.copyOfRange(data, 3 * STRIPE + SHARD,
        3 * STRIPE + 2 * SHARD));

    Repairer.Report report = LocalNet.await(net.net.gateway().repairNow());
    assertThat(report.problems()).isEmpty();
    assertThat(report.repairedShards()).containsExactly(java.util.Map.entry("node-1", 1L));
    // Shard 1 of a full stripe is data bytes [s * STRIPE + SHARD, s * STRIPE + 2 * SHARD).
    assertThat(stripe(node, 3).body()).isEqualTo(Arrays.copyOfRange(data, 3 * STRIPE + SHARD, 3 * STRIPE + 2 * SHARD));
    assertWhole(node);
    assertReadableWith(node);
  }

  @Test
  void flippedByteInTheLastPartialStripeOfAParityShard() throws Exception {
    int node = 5;
    long last = STRIPES - 1;
    flip(shards(node), last * SHARD + meta.encoding().shardLength(data.length, last) - 1);
    LocalNet.assertError(stripe(node, last), 500, "SHARD_CORRUPT");
    assertThat(net.read(id)).isEqualTo(data);
    Repairer.Report report = LocalNet.await(net.net.gateway().repairNow());
    assertThat(report.repairedShards()).containsExactly(java.util.Map.entry("node-5", 1L));
    assertWhole(node);
    assertReadableWith(node);
  }

  @Test
  void truncatedShardFileIsRepaired() throws Exception {
    int node = 2;
    try (RandomAccessFile f = new RandomAccessFile(shards(node).toFile(), "rw")) {
      f.setLength(5L * SHARD + 100);
    }
    LocalNet.assertError(stripe(node, 5), 500, "SHARD_CORRUPT"); // cut in the middle
    LocalNet.assertError(stripe(node, 7), 404, "SHARD_MISSING"); // cut off entirely
    assertThat(stripe(node, 4).statusCode()).isEqualTo(200);
    JsonObject h = health(node);
    assertThat(h.getJsonArray("corrupt").getList()).containsExactly(5);
    assertThat(h.getJsonArray("missing").getList()).containsExactly(6, 7, 8, 9, 10);

    assertThat(net.read(id)).isEqualTo(data);
    Repairer.Report report = LocalNet.await(net.net.gateway().repairNow());
    assertThat(report.problems()).isEmpty();
    assertThat(report.repairedShards()).containsExactly(java.util.Map.entry("node-2", 6L));
    assertWhole(node);
    assertThat(Files.size(shards(node))).isEqualTo(Files.size(shards(0)));
    assertReadableWith(node);
  }

  @Test
  void deletedShardFileIsRepaired() throws Exception {
    int node = 0;
    Files.delete(shards(node));
    LocalNet.assertError(stripe(node, 0), 404, "SHARD_MISSING");
    assertThat(health(node).getJsonArray("missing").size()).isEqualTo(STRIPES);
    assertThat(net.read(id)).isEqualTo(data);
    Repairer.Report report = LocalNet.await(net.net.gateway().repairNow());
    assertThat(report.problems()).isEmpty();
    assertThat(report.repairedShards()).containsExactly(java.util.Map.entry("node-0", (long) STRIPES));
    assertWhole(node);
    assertReadableWith(node);
  }

  @Test
  void damageOnSeveralNodesAtOnceIsRepairedEverywhere() throws Exception {
    // Four nodes damaged in different places, all of stripe 6 on three of them: still 4 good shards
    // of stripe 6, so reads and repair go through.
    flip(shards(0), 6L * SHARD);
    flip(shards(1), 6L * SHARD + SHARD - 1);
    flip(shards(4), 6L * SHARD + 7);
    Files.delete(shards(6));
    assertThat(net.read(id)).isEqualTo(data);
    assertThat(net.read(id, 6L * STRIPE, STRIPE)).isEqualTo(Arrays.copyOfRange(data, 6 * STRIPE, 7 * STRIPE));
    Repairer.Report report = LocalNet.await(net.net.gateway().repairNow());
    assertThat(report.problems()).isEmpty();
    assertThat(report.repairedShards()).containsEntry("node-0", 1L).containsEntry("node-1", 1L)
        .containsEntry("node-4", 1L).containsEntry("node-6", (long) STRIPES);
    for (int i = 0; i < 7; i++) {
      assertWhole(i);
    }
  }

  @Test
  void rottedMetadataFileIsRefusedReadAroundAndRepaired() throws Exception {
    int node = 0;
    net.awaitCertificates(id);
    // Rot past the header (a damaged header stops the node at start, by design): the node starts,
    // but its metadata no longer hashes to the blob id.
    net.stop(node);
    flip(net.blobDir(node, id).resolve("metadata"), 40);
    net.start(node);
    LocalNet.assertError(net.nodeGet(node, "/v1/blobs/" + id + "/metadata"), 500, "METADATA_CORRUPT");
    LocalNet.assertError(stripe(node, 0), 500, "METADATA_CORRUPT");
    assertThat(LocalNet.await(net.net.gateway().challenge(node, id, 1)).passed()).isFalse();
    // The gateway never cached this blob's metadata: it asks node 0 first, rejects it, asks another.
    assertThat(net.read(id)).isEqualTo(data);

    Repairer.Report report = LocalNet.await(net.net.gateway().repairNow());
    assertThat(report.problems()).isEmpty();
    assertThat(report.totalRepaired()).isZero(); // its shards were fine; only the metadata was bad
    assertThat(net.nodeGet(node, "/v1/blobs/" + id + "/metadata").body()).isEqualTo(meta.toBytes());
    assertWhole(node);
    assertThat(LocalNet.await(net.net.gateway().challenge(node, id, 1)).passed()).isTrue();
    net.stop(node);
    net.start(node);
    assertWhole(node);
    assertReadableWith(node);
  }

  @Test
  void stripeDamagedBeyondRepairFailsLoudlyAndNothingWrongIsWritten() throws Exception {
    // Stripe 6 corrupt on 5 nodes: only 2 good shards remain, fewer than k = 3.
    for (int i = 0; i < 5; i++) {
      flip(shards(i), 6L * SHARD + 11 * i);
    }
    Throwable t = catchThrowable(() -> {
      try (InputStream in = net.store.read(id)) {
        in.readAllBytes();
      }
    });
    // The headers went out with stripe 0, so the failure at stripe 6 cuts the body short.
    assertThat(t).isInstanceOf(IOException.class);
    StorageException ranged = (StorageException) catchThrowable(() -> net.read(id, 6L * STRIPE + 1, 10));
    assertThat(ranged.reason()).isEqualTo(StorageException.Reason.UNAVAILABLE);
    // Bytes of other stripes still read.
    assertThat(net.read(id, 0, 6L * STRIPE)).isEqualTo(Arrays.copyOf(data, 6 * STRIPE));
    assertThat(net.read(id, 7L * STRIPE, data.length - 7L * STRIPE))
        .isEqualTo(Arrays.copyOfRange(data, 7 * STRIPE, data.length));

    Repairer.Report report = LocalNet.await(net.net.gateway().repairNow());
    assertThat(report.totalRepaired()).isZero();
    assertThat(report.problems()).hasSize(5).allMatch(p -> p.contains("stripe 6"));
    for (int i = 0; i < 5; i++) {
      assertThat(health(i).getJsonArray("corrupt").getList()).containsExactly(6);
    }
  }
}
