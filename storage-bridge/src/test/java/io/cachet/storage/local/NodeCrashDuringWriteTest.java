package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.gateway.Repairer;
import io.cachet.storage.network.AvailabilityCertificate;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes crash while an upload streams through the gateway: with 2 lost the write completes on the
 * others and repair later brings the crashed nodes up to date; with 3 lost it fails cleanly.
 */
class NodeCrashDuringWriteTest {
  static final int SHARD = 16 * 1024;
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

  /**
   * A one-shot source over {@code data} that, once {@code at} bytes were read, stops until
   * {@code resume} opens: the upload is then mid-stream, with stripes stored and more to come.
   */
  static final class PausingStream extends InputStream {
    final InputStream in;
    final long at;
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch resume = new CountDownLatch(1);
    long read;

    PausingStream(byte[] data, long at) {
      this.in = new ByteArrayInputStream(data);
      this.at = at;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (read >= at && reached.getCount() > 0) {
        reached.countDown();
        try {
          if (!resume.await(30, TimeUnit.SECONDS)) {
            throw new IOException("never resumed");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
      int n = in.read(b, off, (int) Math.min(len, read < at ? at - read : len));
      if (n > 0) {
        read += n;
      }
      return n;
    }
  }

  /** Stores {@code data}, stopping {@code victims} from another thread once {@code at} bytes are sent. */
  private StoreResult storeKilling(byte[] data, long at, int... victims) throws Exception {
    PausingStream stream = new PausingStream(data, at);
    CompletableFuture<StoreResult> upload = CompletableFuture.supplyAsync(() -> {
      try {
        return net.store.store(BlobSource.ofStream(stream, data.length), StoreOptions.epochs(5));
      } catch (StorageException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    assertThat(stream.reached.await(30, TimeUnit.SECONDS)).isTrue();
    Thread killer = new Thread(() -> net.stop(victims));
    killer.start();
    killer.join(30_000);
    stream.resume.countDown();
    try {
      return upload.get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void nodeKilledMidWriteIsRepairedAfterRestart() throws Exception {
    byte[] data = LocalNet.random(100 * STRIPE + 5555, 3);
    StoreResult r = storeKilling(data, 40L * STRIPE + 17, 3);
    BlobId id = r.blobId();
    assertThat(r.alreadyCertified()).isFalse();
    assertThat(r.size()).isEqualTo(data.length);
    assertThat(recorded).hasSize(1);
    assertThat(recorded.get(0).confirmations()).hasSizeGreaterThanOrEqualTo(5)
        .noneMatch(c -> c.nodeId().equals("node-3"));
    assertThat(net.read(id)).isEqualTo(data);

    net.start(3);
    // The half-received upload was dropped at restart: the node neither lists nor keeps it.
    assertThat(net.listed(3)).isEmpty();
    try (var left = Files.list(net.net.nodeDir(3).resolve("uploads"))) {
      assertThat(left.toList()).isEmpty();
    }
    awaitCertificateOnSomeNode(id);

    Repairer.Report report = LocalNet.await(net.net.gateway().repairNow());
    assertThat(report.problems()).isEmpty();
    long stripes = 101;
    assertThat(report.repairedShards()).containsEntry("node-3", stripes);
    assertThat(report.totalRepaired()).isEqualTo(stripes);
    JsonObject health = net.nodeJson(3, "/v1/blobs/" + id + "/health");
    assertThat(health.getJsonArray("bad")).isEmpty();
    assertThat(health.getLong("stripes")).isEqualTo(stripes);
    assertThat(net.listed(3)).containsExactly(id.toString());
    // A second pass finds nothing to do.
    assertThat(LocalNet.await(net.net.gateway().repairNow()).totalRepaired()).isZero();

    // Node 3 now carries its share: with only it and two others up the blob reads back exactly.
    net.down(List.of(0, 1, 2, 4));
    assertThat(net.read(id)).isEqualTo(data);
    assertThat(net.read(id, 3 * SHARD - 1, 40 * STRIPE)).isEqualTo(java.util.Arrays.copyOfRange(data,
        3 * SHARD - 1, 3 * SHARD - 1 + 40 * STRIPE));
    net.down(List.of(0, 4, 5, 6));
    assertThat(net.read(id)).isEqualTo(data);
  }

  @Test
  void twoKilledMidWriteStillStores() throws Exception {
    byte[] data = LocalNet.random(60 * STRIPE + 1, 4);
    StoreResult r = storeKilling(data, 20L * STRIPE, 0, 6);
    assertThat(net.read(r.blobId())).isEqualTo(data);
    net.start(0, 6);
    awaitCertificateOnSomeNode(r.blobId());
    Repairer.Report report = LocalNet.await(net.net.gateway().repairNow());
    assertThat(report.problems()).isEmpty();
    assertThat(report.repairedShards()).containsEntry("node-0", 61L).containsEntry("node-6", 61L);
    net.down(List.of(1, 2, 3, 4));
    assertThat(net.read(r.blobId())).isEqualTo(data);
  }

  @Test
  void threeKilledMidWriteFailsAndLeavesNothing() throws Exception {
    byte[] data = LocalNet.random(60 * STRIPE + 1, 5);
    StorageException e = catchThrowableOfType(() -> storeKilling(data, 20L * STRIPE, 1, 2, 5),
        StorageException.class);
    assertThat(e).isNotNull();
    assertThat(e.reason()).as(e.getMessage()).isEqualTo(StorageException.Reason.INSUFFICIENT_CONFIRMATIONS);
    assertThat(e.getMessage()).contains("3 failed"); // which ones goes to the log, not to the client
    assertThat(recorded).isEmpty();
    net.allUp();
    List<Integer> all = new ArrayList<>(IntStream.range(0, LocalNet.N).boxed().toList());
    for (int i : all) {
      assertThat(net.listed(i)).as("node %d", i).isEmpty();
    }
    assertThat(LocalNet.await(net.net.gateway().repairNow()).blobs()).isZero();
  }

  /**
   * The publisher answers once 2f + 1 nodes confirmed; the full certificate reaches the nodes just
   * after, and repair needs it to install the blob on a node that missed it.
   */
  private void awaitCertificateOnSomeNode(BlobId id) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < LocalNet.N; i++) {
        if (net.net.nodeRunning(i) && net.nodeGet(i, "/v1/blobs/" + id + "/certificate").statusCode() == 200) {
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no node got the certificate of " + id);
  }
}
