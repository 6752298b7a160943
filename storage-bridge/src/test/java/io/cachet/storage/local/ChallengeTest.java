package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import io.cachet.storage.gateway.Auditor;
import io.cachet.storage.gateway.Gateway;
import io.cachet.storage.gateway.Repairer;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage challenges: a node must answer with its shard and the Merkle path to the root the blob
 * id commits to. A node that lost its data, or holds other bytes in its place, fails; every
 * outcome reaches the audit listeners and the metrics.
 */
class ChallengeTest {
  static final int SHARD = 4096;
  static final int STRIPE = 3 * SHARD;

  @TempDir Path root;
  LocalNet net;
  Gateway gateway;
  byte[] data;
  BlobId id;
  final List<Auditor.Result> heard = new CopyOnWriteArrayList<>();

  @BeforeEach
  void up() throws Exception {
    net = LocalNet.start(root, SHARD);
    gateway = net.net.gateway();
    gateway.onAudit(heard::add);
    data = LocalNet.random(8 * STRIPE + 999, 5);
    id = net.store(data, 5).blobId();
    net.awaitCertificates(id); // no node is still writing into the blob directory the tests delete
  }

  @AfterEach
  void down() {
    net.close();
  }

  private Auditor.Result challenge(int node, long stripe) {
    return LocalNet.await(gateway.challenge(node, id, stripe));
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void healthyNodesPassOnEveryStripe() {
    for (int i = 0; i < LocalNet.N; i++) {
      for (long s : new long[] {-1, 0, 4, 8}) {
        Auditor.Result r = challenge(i, s);
        assertThat(r.passed()).as("node %d stripe %d: %s", i, s, r.detail()).isTrue();
        assertThat(r.nodeId()).isEqualTo("node-" + i);
        assertThat(r.blobId()).isEqualTo(id);
        if (s >= 0) {
          assertThat(r.stripe()).isEqualTo(s);
        } else {
          assertThat(r.stripe()).isBetween(0L, 8L);
        }
      }
    }
    assertThat(heard).hasSize(7 * 4).allMatch(Auditor.Result::passed);
    Auditor.Result random = LocalNet.await(gateway.auditNow());
    assertThat(random.passed()).isTrue();
    assertThat(heard).hasSize(7 * 4 + 1);
  }

  @Test
  void nodeThatDeletedItsDataWhileRunningFails() throws Exception {
    deleteTree(net.blobDir(2, id));
    for (long s : new long[] {-1, 0, 8}) {
      Auditor.Result r = challenge(2, s);
      assertThat(r.passed()).as(r.detail()).isFalse();
      assertThat(r.nodeId()).isEqualTo("node-2");
      assertThat(r.detail()).contains("refused: HTTP 404 BLOB_NOT_FOUND");
    }
    // The node noticed it lost the blob: it stops listing it, so repair installs it afresh. (Before
    // the fix it kept listing it and answered every repair write with 500 NoSuchFileException.)
    assertThat(net.listed(2)).isEmpty();
    assertThat(challenge(3, -1).passed()).isTrue();
    assertThat(heard).filteredOn(r -> !r.passed()).hasSize(3).allMatch(r -> r.nodeId().equals("node-2"));
    String metrics = new String(net.gatewayGet("/metrics").body());
    assertThat(metrics).containsPattern("cachet_gateway_challenges_total\\{node=\"node-2\",outcome=\"failed\"} 3\\.0");
    // The blob still reads, and repair gives node 2 its data back.
    assertThat(net.read(id)).isEqualTo(data);
    Repairer.Report report = LocalNet.await(gateway.repairNow());
    assertThat(report.problems()).isEmpty();
    assertThat(report.repairedShards()).containsEntry("node-2", 9L);
    assertThat(challenge(2, -1).passed()).isTrue();
  }

  @Test
  void nodeThatDeletedItsDataWhileStoppedFails() throws Exception {
    net.stop(4);
    deleteTree(net.blobDir(4, id));
    net.start(4);
    Auditor.Result r = challenge(4, 3);
    assertThat(r.passed()).isFalse();
    assertThat(r.detail()).contains("BLOB_NOT_FOUND").doesNotContain(new String(data, 0, 8));
    assertThat(heard).containsExactly(r);
    // Repair installs the blob again from the certificate the other nodes kept.
    Repairer.Report report = LocalNet.await(gateway.repairNow());
    assertThat(report.problems()).isEmpty();
    assertThat(report.repairedShards()).containsEntry("node-4", 9L);
    assertThat(challenge(4, 3).passed()).isTrue();
  }

  @Test
  void nodeHoldingOtherBytesInPlaceOfItsShardFails() throws Exception {
    int node = 5;
    Path shards = net.blobDir(node, id).resolve("shards");
    byte[] all = Files.readAllBytes(shards);
    // Stripe 3's region overwritten with stripe 4's shard: right length, plausible bytes, wrong shard.
    try (RandomAccessFile f = new RandomAccessFile(shards.toFile(), "rw")) {
      f.seek(3L * SHARD);
      f.write(all, 4 * SHARD, SHARD);
    }
    Auditor.Result bad = challenge(node, 3);
    assertThat(bad.passed()).isFalse();
    assertThat(bad.stripe()).isEqualTo(3);
    assertThat(bad.detail()).contains("SHARD_CORRUPT");
    assertThat(challenge(node, 4).passed()).isTrue();
    assertThat(challenge(node, 2).passed()).isTrue();
    // Zeros in place of the shard read as a hole: also a failure.
    try (RandomAccessFile f = new RandomAccessFile(shards.toFile(), "rw")) {
      f.seek(6L * SHARD);
      f.write(new byte[SHARD]);
    }
    Auditor.Result hole = challenge(node, 6);
    assertThat(hole.passed()).isFalse();
    assertThat(hole.detail()).contains("SHARD_MISSING");
    assertThat(heard).filteredOn(r -> !r.passed()).containsExactly(bad, hole);
    Repairer.Report report = LocalNet.await(gateway.repairNow());
    assertThat(report.repairedShards()).containsExactly(java.util.Map.entry("node-5", 2L));
    assertThat(challenge(node, 3).passed()).isTrue();
    assertThat(challenge(node, 6).passed()).isTrue();
  }

  @Test
  void challengeOnAStripePastTheEndOrAStoppedNodeFails() {
    Auditor.Result past = challenge(1, 9);
    assertThat(past.passed()).isFalse();
    assertThat(past.detail()).contains("BAD_STRIPE");
    net.stop(1);
    Auditor.Result stopped = challenge(1, 0);
    assertThat(stopped.passed()).isFalse();
    assertThat(stopped.detail()).contains("unreachable");
  }
}
