package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * n = 7, f = 2, k = 3: any 3 nodes hold enough to rebuild every stripe, so a read must succeed with
 * any 4 nodes down and fail cleanly (an error, never wrong bytes) with 5 down.
 */
class DegradedReadTest {
  static final int SHARD = 4096;
  static final int STRIPE = 3 * SHARD;

  @TempDir Path root;
  LocalNet net;

  @BeforeEach
  void up() {
    net = LocalNet.start(root, SHARD);
  }

  @AfterEach
  void down() {
    net.close();
  }

  static List<List<Integer>> combinations(int n, int r) {
    List<List<Integer>> out = new ArrayList<>();
    combine(n, r, 0, new ArrayList<>(), out);
    return out;
  }

  private static void combine(int n, int r, int from, List<Integer> chosen, List<List<Integer>> out) {
    if (chosen.size() == r) {
      out.add(List.copyOf(chosen));
      return;
    }
    for (int i = from; i < n; i++) {
      chosen.add(i);
      combine(n, r, i + 1, chosen, out);
      chosen.remove(chosen.size() - 1);
    }
  }

  @Test
  void everyChoiceOfFourNodesDownStillReadsExactly() throws Exception {
    // 5 full stripes and a partial one whose shards are not a multiple of anything nice.
    byte[] data = LocalNet.random(5 * STRIPE + 7001, 1);
    BlobId id = net.store(data, 5).blobId();
    List<List<Integer>> combos = combinations(LocalNet.N, 4);
    assertThat(combos).hasSize(35);
    // One small blob per case, stored while all nodes are up and first read in its case: the
    // gateway has never fetched its metadata, so that lookup also runs with 4 nodes down.
    List<byte[]> cold = new ArrayList<>();
    List<BlobId> coldIds = new ArrayList<>();
    for (int c = 0; c < combos.size(); c++) {
      byte[] small = LocalNet.random(STRIPE + 1 + c * 97, 100 + c);
      cold.add(small);
      coldIds.add(net.store(small, 5).blobId());
    }
    long[][] ranges = {
        {0, 1}, {SHARD - 1, 2}, {STRIPE - 1, 2}, {STRIPE, SHARD}, {2 * STRIPE + 5, 2 * STRIPE + 9},
        {data.length - 1, 1}, {5 * STRIPE - 3, 7004}, {5 * STRIPE + 2334, 10}};
    for (int c = 0; c < combos.size(); c++) {
      List<Integer> down = combos.get(c);
      net.down(down);
      String when = "nodes " + down + " down";
      assertThat(net.read(coldIds.get(c))).as(when).isEqualTo(cold.get(c));
      assertThat(net.read(id)).as(when).isEqualTo(data);
      for (long[] r : ranges) {
        assertThat(net.read(id, r[0], r[1])).as(when + ", range " + Arrays.toString(r))
            .isEqualTo(Arrays.copyOfRange(data, (int) r[0], (int) (r[0] + r[1])));
      }
    }
  }

  @Test
  void fiveNodesDownFailsWithAnErrorNeverWrongBytes() throws Exception {
    byte[] data = LocalNet.random(4 * STRIPE + 100, 2);
    BlobId id = net.store(data, 5).blobId();
    BlobId other = net.store(LocalNet.random(2 * STRIPE, 3), 5).blobId();
    assertThat(net.read(id)).isEqualTo(data); // the gateway now caches the metadata
    for (List<Integer> down : List.of(List.of(0, 1, 2, 3, 4), List.of(2, 3, 4, 5, 6), List.of(0, 2, 4, 5, 6))) {
      net.down(down);
      assertUnreadable(id, data, -1, -1);
      assertUnreadable(id, data, STRIPE - 10, 20);
      // Metadata never fetched before: two nodes can still serve it, but no stripe can be rebuilt.
      assertUnreadable(other, null, -1, -1);
      // Raw: 503 BLOB_UNAVAILABLE in the AIP-193 shape, before any byte is sent.
      // Before the fix the error went out under the blob's Content-Length, so readers hung.
      var raw = net.gatewayGet("/v1/blobs/" + id);
      String message = LocalNet.assertError(raw, 503, "BLOB_UNAVAILABLE");
      assertThat(message).contains("verified shards");
      assertThat(raw.headers().firstValue("Cache-Control")).isEmpty();
      assertThat(raw.headers().firstValue("Retry-After")).contains("1");
      // Shard 2 is down in every case here, so bytes of it need decoding, which needs k = 3 shards.
      int inShard2 = 2 * SHARD + 5;
      LocalNet.assertError(net.gatewayGet("/v1/blobs/" + id, "Range", "bytes=" + inShard2 + "-50000"), 503,
          "BLOB_UNAVAILABLE");
      LocalNet.assertError(net.gatewayGet("/v1/blobs/" + id + "/byte-range?start=" + inShard2 + "&length=10"), 503,
          "BLOB_UNAVAILABLE");
      if (!down.contains(0)) {
        // The code is systematic: bytes held whole by a data shard whose node is up need no decoding.
        assertThat(net.read(id, STRIPE + 7, 100)).isEqualTo(Arrays.copyOfRange(data, STRIPE + 7, STRIPE + 107));
      }
    }
    net.allUp();
    assertThat(net.read(id)).isEqualTo(data);
  }

  @Test
  void allNodesDownIsUnavailableNotNotFound() {
    BlobId unknown = BlobId.parse("A".repeat(43));
    net.down(List.of(0, 1, 2, 3, 4, 5, 6));
    Throwable t = catchThrowable(() -> net.read(unknown));
    assertThat(t).isInstanceOf(StorageException.class);
    assertThat(((StorageException) t).reason()).isEqualTo(StorageException.Reason.UNAVAILABLE);
    assertThat(((StorageException) t).httpStatus()).isEqualTo(503);
  }

  /** The read either fails before any byte (503) or its stream throws; it never yields wrong bytes. */
  private void assertUnreadable(BlobId id, byte[] data, long offset, long length) {
    Throwable t = catchThrowable(() -> {
      try (InputStream in = offset < 0 ? net.store.read(id) : net.store.read(id, offset, length)) {
        byte[] got = in.readAllBytes();
        throw new AssertionError("read of " + got.length + " bytes succeeded with 5 nodes down");
      }
    });
    assertThat(t).isInstanceOf(IOException.class);
    if (t instanceof StorageException se) {
      assertThat(se.reason()).as(se.getMessage()).isEqualTo(StorageException.Reason.UNAVAILABLE);
      assertThat(se.httpStatus()).isEqualTo(503);
      assertThat(se.getMessage()).contains("BLOB_UNAVAILABLE");
    }
  }
}
