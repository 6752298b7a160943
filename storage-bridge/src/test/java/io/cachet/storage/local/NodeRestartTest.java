package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a node confirmed survives its restart, and the whole network's. */
class NodeRestartTest {
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
    if (net != null) {
      net.close();
    }
  }

  private void onlyUp(List<Integer> up) {
    net.down(IntStream.range(0, LocalNet.N).boxed().filter(i -> !up.contains(i)).toList());
  }

  @Test
  void everyRestartedNodeServesWhatItConfirmed() throws Exception {
    byte[] a = LocalNet.random(7 * STRIPE + 3, 1);
    byte[] b = LocalNet.random(1, 2);
    byte[] c = LocalNet.random(STRIPE, 3);
    BlobId ida = net.store(a, 3).blobId();
    BlobId idb = net.store(b, 3).blobId();
    BlobId idc = net.store(c, 3).blobId();
    net.awaitOnEveryNode(ida, idb, idc);
    for (int i = 0; i < LocalNet.N; i++) {
      net.stop(i);
      net.start(i);
      List<Integer> up = List.of(i, (i + 1) % 7, (i + 4) % 7);
      onlyUp(up);
      assertThat(net.read(ida)).as("only %s up", up).isEqualTo(a);
      assertThat(net.read(idb)).isEqualTo(b);
      assertThat(net.read(idc)).isEqualTo(c);
      assertThat(net.listed(i)).containsExactlyInAnyOrder(ida.toString(), idb.toString(), idc.toString());
      net.allUp();
    }
  }

  @Test
  void theWholeNetworkRestartsOnTheSameDirectory() throws Exception {
    byte[] a = LocalNet.random(5 * STRIPE + 1000, 4);
    BlobId id = net.store(a, 3).blobId();
    net.awaitOnEveryNode(id);
    String url = net.net.gatewayUrl();
    net.close();
    net = LocalNet.start(root, LocalNetwork.Options.defaults().withIntervals(0, 0)); // options ignored but intervals
    assertThat(net.net.gatewayUrl()).isEqualTo(url);
    assertThat(net.net.network().shardSize()).isEqualTo(SHARD);
    assertThat(net.read(id)).isEqualTo(a);
    onlyUp(List.of(2, 3, 6));
    assertThat(net.read(id)).isEqualTo(a);
    // Storing it again is recognised across the restart.
    net.allUp();
    assertThat(net.store(a, 2).alreadyCertified()).isTrue();
  }

  @Test
  void nodesStoppedInTheMiddleOfAReadDoNotCorruptIt() throws Exception {
    byte[] data = LocalNet.random(300 * STRIPE + 17, 5);
    BlobId id = net.store(data, 3).blobId();
    byte[] got = new byte[data.length];
    try (InputStream in = net.store.read(id)) {
      int first = in.readNBytes(got, 0, 100 * STRIPE);
      assertThat(first).isEqualTo(100 * STRIPE);
      // The data shards' nodes go away while the body streams: the rest is rebuilt from parity.
      net.stop(0, 1);
      int second = in.readNBytes(got, first, 100 * STRIPE);
      net.stop(2);
      int rest = in.readNBytes(got, first + second, data.length - first - second);
      assertThat(first + second + rest).isEqualTo(data.length);
      assertThat(in.read()).isEqualTo(-1);
    }
    assertThat(got).isEqualTo(data);
    // And a fresh read with exactly the parity nodes up.
    assertThat(net.read(id, 123 * STRIPE + 5, 10 * STRIPE)).isEqualTo(Arrays.copyOfRange(data, 123 * STRIPE + 5,
        133 * STRIPE + 5));
  }
}
