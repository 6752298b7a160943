package io.cachet.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileDamage} on real files, and on the shard files of a real storage network. */
class FileDamageTest {
  @TempDir Path tmp;

  private Path file(int size) throws Exception {
    byte[] bytes = new byte[size];
    new SplittableRandom(size).nextBytes(bytes);
    return Files.write(tmp.resolve("f-" + size), bytes);
  }

  @Test
  void flip_changesExactlyTheChosenByte() throws Exception {
    Path f = file(100);
    byte[] before = Files.readAllBytes(f);
    FileDamage.flip(f, 42, 0x01);
    byte[] after = Files.readAllBytes(f);
    assertThat(after[42]).isEqualTo((byte) (before[42] ^ 0x01));
    after[42] = before[42];
    assertThat(after).isEqualTo(before);
  }

  @Test
  void flip_outsideTheFile_isRefused() throws Exception {
    Path f = file(10);
    assertThatThrownBy(() -> FileDamage.flip(f, 10, 0xFF)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FileDamage.flip(f, 0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void flipRandom_changesOneBitAtEachReturnedOffset_andNothingElse() throws Exception {
    Path f = file(4096);
    byte[] before = Files.readAllBytes(f);
    List<Long> offsets = FileDamage.flipRandom(f, 5, new SplittableRandom(7));
    byte[] after = Files.readAllBytes(f);
    assertThat(offsets).hasSize(5).isSorted().doesNotHaveDuplicates();
    for (int i = 0; i < before.length; i++) {
      int diff = (before[i] ^ after[i]) & 0xFF;
      if (offsets.contains((long) i)) {
        assertThat(Integer.bitCount(diff)).as("offset %d", i).isEqualTo(1);
      } else {
        assertThat(diff).as("offset %d", i).isZero();
      }
    }
  }

  @Test
  void truncate_cutsTheTail() throws Exception {
    Path f = file(1000);
    byte[] before = Files.readAllBytes(f);
    FileDamage.truncate(f, 333);
    assertThat(Files.readAllBytes(f)).isEqualTo(Arrays.copyOf(before, 333));
    assertThatThrownBy(() -> FileDamage.truncate(f, 334)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void zero_clearsTheRangeOnly() throws Exception {
    Path f = file(200_000);
    byte[] before = Files.readAllBytes(f);
    FileDamage.zero(f, 1000, 150_000);
    byte[] after = Files.readAllBytes(f);
    for (int i = 0; i < after.length; i++) {
      assertThat(after[i]).as("offset %d", i).isEqualTo(i >= 1000 && i < 151_000 ? 0 : before[i]);
    }
    assertThat(after).hasSize(200_000);
  }

  @Test
  void shardFiles_ofANodeWithoutBlobs_isEmpty() throws Exception {
    assertThat(FileDamage.shardFiles(tmp)).isEmpty();
  }

  @Test
  void shardFiles_findsEveryBlobOnRealNodes_andDamageToFOfThemIsReadAround() throws Exception {
    Vertx vertx = Vertx.vertx();
    LocalNetwork net = LocalNetwork.start(vertx, tmp.resolve("net"),
        LocalNetwork.Options.defaults().withNodes(7, 1024).withIntervals(0, 0))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    try (WalrusBlobStore store = WalrusBlobStore.connect(net.gatewayUrl(), net.gatewayUrl())) {
      byte[] first = new byte[20_000];
      byte[] second = new byte[3_000];
      new SplittableRandom(1).nextBytes(first);
      new SplittableRandom(2).nextBytes(second);
      StoreResult a = store.store(BlobSource.ofBytes(first), StoreOptions.epochs(5));
      StoreResult b = store.store(BlobSource.ofBytes(second), StoreOptions.epochs(5));
      // A put succeeds once n - f nodes hold their shard; a node may miss a blob on a loaded machine.
      Map<BlobId, Integer> holders = new HashMap<>();
      for (int i = 0; i < net.network().n(); i++) {
        for (Path shard : FileDamage.shardFiles(net.nodeDir(i))) {
          assertThat(Files.size(shard)).isPositive();
          holders.merge(FileDamage.blobOf(shard).orElseThrow(), 1, Integer::sum);
        }
      }
      assertThat(holders.keySet()).containsExactlyInAnyOrder(a.blobId(), b.blobId());
      assertThat(holders.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(net.network().n()
          - net.network().f()));
      int f = net.network().f();
      for (int i = 0; i < f; i++) {
        for (Path shard : FileDamage.shardFiles(net.nodeDir(i))) {
          FileDamage.flipRandom(shard, 3);
        }
      }
      try (InputStream in = store.read(a.blobId())) {
        assertThat(in.readAllBytes()).isEqualTo(first);
      }
      try (InputStream in = store.read(b.blobId())) {
        assertThat(in.readAllBytes()).isEqualTo(second);
      }
    } finally {
      net.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }
}
