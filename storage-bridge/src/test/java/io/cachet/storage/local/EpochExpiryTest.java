package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.node.NodeStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Epochs on an injected clock: a blob stored for N epochs reads until its end epoch, then is
 * gone (404 BLOB_NOT_FOUND), and garbage collection removes its files one epoch later (the grace
 * period). Storing again extends it.
 */
class EpochExpiryTest {
  static final int SHARD = 4096;
  static final long EPOCH = 10_000;
  static final long GENESIS = 1_700_000_000_000L;

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

  private int collectEverywhere() {
    int removed = 0;
    for (int i = 0; i < LocalNet.N; i++) {
      NodeStore.Collected c = LocalNet.await(net.net.node(i).collectGarbage());
      removed += c.blobs();
    }
    return removed;
  }

  private void assertGone(BlobId id) {
    StorageException e = catchThrowableOfType(() -> net.read(id), StorageException.class);
    assertThat(e.reason()).as(e.getMessage()).isEqualTo(StorageException.Reason.BLOB_NOT_FOUND);
    assertThat(e.httpStatus()).isEqualTo(404);
    LocalNet.assertError(net.gatewayGet("/v1/blobs/" + id), 404, "BLOB_NOT_FOUND");
    LocalNet.assertError(net.gatewayGet("/v1/blobs/" + id, "Range", "bytes=0-0"), 404, "BLOB_NOT_FOUND");
    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(net.listed(i)).doesNotContain(id.toString());
      LocalNet.assertError(net.nodeGet(i, "/v1/blobs/" + id + "/metadata"), 404, "BLOB_NOT_FOUND");
      LocalNet.assertError(net.nodeGet(i, "/v1/blobs/" + id + "/stripes/0"), 404, "BLOB_NOT_FOUND");
    }
  }

  @Test
  void blobReadsUntilItsEndEpochThenIsGoneAndCollected() throws Exception {
    byte[] data = LocalNet.random(5 * 3 * SHARD + 7, 1);
    byte[] keeper = LocalNet.random(2 * 3 * SHARD, 2);
    at(0, 1234);
    StoreResult r = net.store(data, 2);
    assertThat(r.endEpoch()).isEqualTo(2);
    BlobId id = r.blobId();
    BlobId kept = net.store(keeper, 5).blobId();
    assertThat(net.read(id)).isEqualTo(data); // also fills the gateway's metadata cache

    at(1, 0);
    assertThat(net.read(id)).isEqualTo(data);
    at(1, EPOCH - 1);
    assertThat(net.read(id)).isEqualTo(data);
    assertThat(net.read(id, 3, 10)).isEqualTo(java.util.Arrays.copyOfRange(data, 3, 13));

    at(2, 0);
    assertGone(id);
    assertThat(net.read(kept)).isEqualTo(keeper);
    // Invisible but not yet collected; repair does not bring it back.
    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(net.blobDir(i, id)).isDirectory();
    }
    assertThat(LocalNet.await(net.net.gateway().repairNow()).blobs()).isEqualTo(1);
    assertGone(id);
    // kept on disk for the grace epoch after its end, then collected
    assertThat(collectEverywhere()).isZero();
    at(3, 0);
    assertThat(collectEverywhere()).isEqualTo(LocalNet.N);
    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(net.blobDir(i, id)).doesNotExist();
      assertThat(net.blobDir(i, kept)).isDirectory();
      try (var left = Files.list(net.net.nodeDir(i).resolve("blobs"))) {
        assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly(kept.toString());
      }
    }
    assertThat(collectEverywhere()).isZero();
    assertGone(id);
    assertThat(net.read(kept)).isEqualTo(keeper);

    // Stored again after it expired: a new blob with a new lifetime.
    StoreResult again = net.store(data, 1);
    assertThat(again.alreadyCertified()).isFalse();
    assertThat(again.endEpoch()).isEqualTo(4);
    assertThat(net.read(id)).isEqualTo(data);
  }

  @Test
  void storedAgainWhileExpiredButUncollectedIsANewBlob() throws Exception {
    byte[] data = LocalNet.random(4 * 3 * SHARD, 3);
    at(0, 0);
    BlobId id = net.store(data, 1).blobId();
    at(1, 5);
    assertGone(id);
    StoreResult again = net.store(data, 2);
    assertThat(again.alreadyCertified()).isFalse();
    assertThat(again.endEpoch()).isEqualTo(3);
    assertThat(net.read(id)).isEqualTo(data);
    assertThat(collectEverywhere()).isZero();
    at(2, EPOCH - 1);
    assertThat(net.read(id)).isEqualTo(data);
    at(3, 0);
    assertGone(id);
  }

  @Test
  void storingAgainExtendsTheLifetime() throws Exception {
    byte[] data = LocalNet.random(3 * 3 * SHARD + 1, 4);
    at(0, 0);
    BlobId id = net.store(data, 2).blobId();
    at(1, 0);
    // A shorter or equal lifetime is already certified; a longer one is a new certification.
    StoreResult same = net.store(data, 1);
    assertThat(same.alreadyCertified()).isTrue();
    assertThat(same.endEpoch()).isEqualTo(2);
    StoreResult longer = net.store(data, 3);
    assertThat(longer.alreadyCertified()).isFalse();
    assertThat(longer.endEpoch()).isEqualTo(4);
    at(3, EPOCH - 1);
    assertThat(net.read(id)).isEqualTo(data);
    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(net.nodeGet(i, "/v1/blobs/" + id + "/metadata").headers().firstValue("X-Cachet-End-Epoch"))
          .contains("4");
    }
    assertThat(collectEverywhere()).isZero();
    at(4, 0);
    assertGone(id);
    assertThat(collectEverywhere()).isZero();
    at(5, 0);
    assertThat(collectEverywhere()).isEqualTo(LocalNet.N);
  }

  @Test
  void epochsOutsideOneToMaxAheadAreRefused() throws Exception {
    at(7, 0);
    byte[] data = LocalNet.random(100, 5);
    for (String epochs : List.of("0", "54", "-1", "4294967296", "abc", "", "1.5")) {
      var r = net.send(HttpRequest.newBuilder(URI.create(net.net.gatewayUrl() + "/v1/blobs?epochs=" + epochs))
          .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
      String message = LocalNet.assertError(r, 400, "INVALID_ARGUMENT");
      assertThat(message).as(epochs).contains("epochs");
    }
    StorageException e = catchThrowableOfType(() -> net.store(data, 54), StorageException.class);
    assertThat(e.reason()).isEqualTo(StorageException.Reason.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("epochs must be between 1 and 53 (this gateway's limit), got 54");
    // The edge itself is allowed: 53 epochs ahead of epoch 7.
    StoreResult max = net.store.store(BlobSource.ofBytes(data), StoreOptions.epochs(53));
    assertThat(max.endEpoch()).isEqualTo(60);
    net.awaitCertificates(max.blobId()); // the answer came at 2f + 1 confirmations
    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(net.listed(i)).containsExactly(max.blobId().toString());
    }
    // Without epochs the default is 1.
    var r = net.send(HttpRequest.newBuilder(URI.create(net.net.gatewayUrl() + "/v1/blobs"))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(LocalNet.random(10, 6))));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new String(r.body())).contains("\"endEpoch\":8");
  }
}
