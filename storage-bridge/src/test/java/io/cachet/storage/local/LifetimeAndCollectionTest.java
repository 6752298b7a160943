package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import io.cachet.storage.node.NodeStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lifetimes on the real local network cannot be lowered (the certified end epoch rules, on a re-put
 * and in repair), garbage collection cannot be tricked by a node's clock, and a large upload keeps
 * each node's body memory at a few stripes.
 */
class LifetimeAndCollectionTest {
  static final int SHARD = 4096;
  static final long EPOCH = 10_000;
  static final long GENESIS = 1_700_000_000_000L;
  static final long YEAR = 365L * 24 * 3600 * 1000;

  @TempDir Path root;
  final AtomicLong clock = new AtomicLong(GENESIS);
  LocalNet net;

  @BeforeEach
  void up() {
    net = LocalNet.start(root, LocalNetwork.Options.defaults().withNodes(LocalNet.N, SHARD).withIntervals(0, 0)
        .withClock(clock::get, EPOCH));
  }

  @AfterEach
  void down() {
    net.close();
  }

  private void at(long epoch, long millisInto) {
    clock.set(GENESIS + epoch * EPOCH + millisInto);
  }

  private long endEpochOn(int node, BlobId id) {
    var r = net.nodeGet(node, "/v1/blobs/" + id + "/metadata");
    assertThat(r.statusCode()).as("node %d holds %s", node, id).isEqualTo(200);
    return Long.parseLong(r.headers().firstValue("X-Cachet-End-Epoch").orElseThrow());
  }

  /**
   * Waits until the node keeps the blob until {@code epoch}: the answer comes at 2f + 1
   * confirmations, the other commits and the certificate push follow it.
   */
  private void awaitEndEpoch(int node, BlobId id, long epoch) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      var r = net.nodeGet(node, "/v1/blobs/" + id + "/metadata");
      if (r.statusCode() == 200 && r.headers().firstValue("X-Cachet-End-Epoch").orElse("").equals(Long.toString(epoch))) {
        break;
      }
      Thread.sleep(20);
    }
    assertThat(endEpochOn(node, id)).as("end epoch of %s on node %d", id, node).isEqualTo(epoch);
  }

  /** The node loses the blob for good: stopped, its blob directory deleted, started again. */
  private void lose(int node, BlobId id) throws IOException {
    net.stop(node);
    try (Stream<Path> walk = Files.walk(net.blobDir(node, id))) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    net.start(node);
  }

  private int collectEverywhere(boolean expectPaused) {
    int removed = 0;
    for (int i = 0; i < LocalNet.N; i++) {
      NodeStore.Collected c = LocalNet.await(net.net.node(i).collectGarbage());
      assertThat(c.paused()).as("collection on node %d paused", i).isEqualTo(expectPaused);
      removed += c.blobs();
    }
    return removed;
  }

  @Test
  void rePutWithAShorterLifetime_afterANodeLostTheBlob_keepsTheLongerEndEpoch() throws Exception {
    byte[] data = LocalNet.random(4 * 3 * SHARD + 5, 1);
    at(0, 100);
    BlobId id = net.store(data, 10).blobId();
    net.awaitCertificates(id);
    lose(0, id);

    net.store(data, 2);

    for (int i = 0; i < LocalNet.N; i++) {
      awaitEndEpoch(i, id, 10);
    }
    at(9, EPOCH - 1);
    assertThat(net.read(id)).isEqualTo(data);
    assertThat(net.listed(0)).contains(id.toString());
  }

  @Test
  void repair_restoresTheCertifiedEndEpoch_notTheFirstCertificateItFinds() throws Exception {
    byte[] data = LocalNet.random(3 * 3 * SHARD, 2);
    at(0, 100);
    BlobId id = net.store(data, 3).blobId();
    net.awaitCertificates(id);
    // node 0 misses the longer lifetime: it keeps end epoch 3 and the certificate for 3
    net.stop(0);
    assertThat(net.store(data, 10).endEpoch()).isEqualTo(10);
    for (int i = 1; i < LocalNet.N; i++) {
      awaitEndEpoch(i, id, 10);
    }
    net.start(0);
    assertThat(endEpochOn(0, id)).isEqualTo(3);
    // node 1 loses the blob; repair installs it from a certificate, and raises node 0
    lose(1, id);

    LocalNet.await(net.net.gateway().repairNow());

    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(endEpochOn(i, id)).as("node %d", i).isEqualTo(10);
    }
    at(9, EPOCH - 1);
    assertThat(net.read(id)).isEqualTo(data);
  }

  @Test
  void aNodeWhoseClockJumpsAYearAhead_deletesNothingLive() throws Exception {
    byte[] live = LocalNet.random(3 * 3 * SHARD, 3);
    byte[] shortLived = LocalNet.random(3 * SHARD, 4);
    at(0, 100);
    BlobId kept = net.store(live, 5).blobId();
    BlobId expiring = net.store(shortLived, 1).blobId();
    net.awaitCertificates(kept);
    net.awaitCertificates(expiring);

    // time passing honestly: the short-lived blob goes one epoch after its end
    at(2, 0);
    assertThat(collectEverywhere(false)).isEqualTo(LocalNet.N);

    clock.addAndGet(YEAR);
    assertThat(collectEverywhere(true)).isZero();
    assertThat(collectEverywhere(false)).isZero();
    assertThat(collectEverywhere(false)).isZero();
    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(net.blobDir(i, kept)).isDirectory();
    }

    at(4, EPOCH - 1);
    assertThat(net.read(kept)).isEqualTo(live);
  }

  @Test
  void aLargeUpload_keepsEachNodesBodyMemoryAtTheStripesInFlight() throws Exception {
    int stripes = 120;
    byte[] data = LocalNet.random(stripes * 3 * SHARD, 5);
    at(0, 100);
    BlobId id = net.store(data, 1).blobId();
    assertThat(net.read(id)).isEqualTo(data);
    long stripesInFlight = 4; // GatewayConfig.defaults
    for (int i = 0; i < LocalNet.N; i++) {
      String metrics = new String(net.nodeGet(i, "/metrics").body());
      Matcher m = Pattern.compile("(?m)^cachet_node_body_bytes_buffered_max(?:\\{[^}]*})? ([0-9.E]+)$").matcher(metrics);
      assertThat(m.find()).as("node %d exposes cachet_node_body_bytes_buffered_max", i).isTrue();
      double most = Double.parseDouble(m.group(1));
      assertThat(most).as("node %d", i).isPositive().isLessThanOrEqualTo(stripesInFlight * SHARD);
      assertThat(net.net.node(i).bufferedBodyBytesHighWater()).isEqualTo((long) most);
    }
  }
}
