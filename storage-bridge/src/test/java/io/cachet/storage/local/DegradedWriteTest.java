package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.network.AvailabilityCertificate;
import io.vertx.core.Future;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write needs 2f + 1 = 5 of 7 nodes: it succeeds with any 2 down and fails with 3 down, with
 * 504 INSUFFICIENT_CONFIRMATIONS with counts only (which nodes failed, and how, is in the gateway's
 * log, not in an answer to anonymous clients), nothing listed on any node,
 * nothing left open, and no certificate handed to the sink.
 */
class DegradedWriteTest {
  static final int SHARD = 8192;
  static final int STRIPE = 3 * SHARD;

  @TempDir Path root;
  LocalNet net;
  final List<AvailabilityCertificate> recorded = new CopyOnWriteArrayList<>();

  @BeforeEach
  void up() {
    net = LocalNet.start(root, LocalNetwork.Options.defaults().withNodes(LocalNet.N, SHARD).withIntervals(0, 0)
        .withSink(c -> {
          recorded.add(c);
          return Future.succeededFuture();
        }));
  }

  @AfterEach
  void down() {
    net.close();
  }

  @Test
  void anyTwoNodesDownStillStores() throws Exception {
    List<List<Integer>> cases = List.of(List.of(0, 1), List.of(5, 6), List.of(2, 4), List.of(0, 6), List.of(1, 3));
    for (int c = 0; c < cases.size(); c++) {
      List<Integer> down = cases.get(c);
      net.down(down);
      byte[] data = LocalNet.random(6 * STRIPE + 1234 + c, 10 + c);
      StoreResult r = net.store(data, 4);
      net.awaitCertificates(r.blobId()); // repair below needs it; the down nodes are skipped
      assertThat(r.alreadyCertified()).isFalse();
      assertThat(r.size()).isEqualTo(data.length);
      assertThat(recorded).hasSize(c + 1);
      AvailabilityCertificate cert = recorded.get(c);
      assertThat(cert.blobId()).isEqualTo(r.blobId());
      assertThat(cert.confirmations()).hasSizeGreaterThanOrEqualTo(5);
      assertThat(cert.confirmations()).noneMatch(x -> down.stream().anyMatch(d -> x.nodeId().equals("node-" + d)));
      // Readable with the same two nodes still down, and with them back (they never had it).
      assertThat(net.read(r.blobId())).as("down %s", down).isEqualTo(data);
      net.allUp();
      assertThat(net.read(r.blobId())).isEqualTo(data);
      for (int d : down) {
        assertThat(net.listed(d)).doesNotContain(r.blobId().toString());
      }
      // Repair hands the blob to the nodes that missed it; then any 3 nodes, those two among them, read it.
      var report = LocalNet.await(net.net.gateway().repairNow());
      assertThat(report.problems()).isEmpty();
      for (int d : down) {
        assertThat(report.repairedShards().get("node-" + d)).isEqualTo(7L);
        assertThat(net.listed(d)).contains(r.blobId().toString());
      }
      List<Integer> keep = new java.util.ArrayList<>(down);
      keep.add(down.contains(2) ? 3 : 2);
      net.down(Stream.iterate(0, i -> i + 1).limit(LocalNet.N).filter(i -> !keep.contains(i)).toList());
      assertThat(net.read(r.blobId())).as("only %s up", keep).isEqualTo(data);
      net.allUp();
    }
  }

  @Test
  void threeNodesDownFailsWithInsufficientConfirmationsAndStoresNothing() throws Exception {
    int attempt = 0;
    for (List<Integer> down : List.of(List.of(0, 1, 2), List.of(3, 5, 6), List.of(0, 4, 6))) {
      net.down(down);
      List<Integer> up = Stream.iterate(0, i -> i + 1).limit(LocalNet.N).filter(i -> !down.contains(i)).toList();
      byte[] data = LocalNet.random(5 * STRIPE + 77, 20 + attempt++);
      // Repeatable source (retried once: 504 is retryable), one-shot stream with and without length,
      // and a blob smaller than one stripe (sent only when the body ends).
      List<BlobSource> sources = List.of(BlobSource.ofBytes(data),
          BlobSource.ofStream(new ByteArrayInputStream(data), data.length),
          BlobSource.ofStream(new ByteArrayInputStream(data), -1),
          BlobSource.ofBytes(LocalNet.random(100, 99)));
      for (BlobSource source : sources) {
        StorageException e = catchThrowableOfType(() -> net.store.store(source, StoreOptions.epochs(3)),
            StorageException.class);
        assertThat(e).as("store with %s down", down).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(StorageException.Reason.INSUFFICIENT_CONFIRMATIONS);
        assertThat(e.httpStatus()).isEqualTo(504);
        for (int d : down) {
          assertThat(e.getMessage()).doesNotContain("node-" + d);
        }
        assertThat(e.getMessage()).contains("only 4 of 7");
      }
      for (int i : up) {
        assertThat(net.listed(i)).as("node %d", i).isEmpty();
      }
      assertNoUploadsLeft(up);
      net.allUp();
      for (int i = 0; i < LocalNet.N; i++) {
        assertThat(net.listed(i)).as("node %d", i).isEmpty();
        assertThat(Files.list(net.net.nodeDir(i).resolve("blobs")).toList()).isEmpty();
      }
      assertThat(recorded).isEmpty();
    }
    // The network is fine afterwards.
    byte[] data = LocalNet.random(3 * STRIPE, 5);
    assertThat(net.read(net.store(data, 2).blobId())).isEqualTo(data);
    assertThat(recorded).hasSize(1);
  }

  /** A failed upload is abandoned on every node: no upload directory stays open until its TTL. */
  private void assertNoUploadsLeft(List<Integer> nodes) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    for (int i : nodes) {
      Path uploads = net.net.nodeDir(i).resolve("uploads");
      while (true) {
        List<Path> open;
        try (Stream<Path> s = Files.list(uploads)) {
          open = s.toList();
        }
        if (open.isEmpty()) {
          break;
        }
        assertThat(System.nanoTime()).as("node %d still has uploads %s", i, open).isLessThan(deadline);
        Thread.sleep(50);
      }
      String metrics = new String(net.nodeGet(i, "/metrics").body());
      assertThat(metrics).containsPattern("(?m)^cachet_node_uploads 0\\.0$");
    }
  }
}
