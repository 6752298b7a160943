package io.cachet.storage.walrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.PatchStream;
import io.cachet.storage.QuiltFile;
import io.cachet.storage.QuiltPatch;
import io.cachet.storage.QuiltStoreResult;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.quilt.QuiltPatchId;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WalrusBlobStore's quilts against the real gateway: 7 storage nodes and the gateway on loopback,
 * real files. What is stored is read back byte for byte by patch id, by identifier and in the
 * patch list; sizes come from HEAD; a missing quilt or patch is BLOB_NOT_FOUND.
 */
class QuiltGatewayTest {
  @TempDir static Path root;
  static Vertx vertx;
  static LocalNetwork net;
  static WalrusBlobStore store;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    net = LocalNetwork.start(vertx, root.resolve("net"),
        LocalNetwork.Options.defaults().withNodes(7, 16 * 1024).withIntervals(0, 0)).await(60, TimeUnit.SECONDS);
    store = new WalrusBlobStore(WalrusConfig.builder().publisher(net.gatewayUrl()).aggregator(net.gatewayUrl())
        .requestTimeout(Duration.ofSeconds(60)).retry(RetryPolicy.builder().maxAttempts(2)
            .initialBackoff(Duration.ofMillis(20)).maxBackoff(Duration.ofMillis(20)).notFoundAttempts(1)
            .notFoundWindow(Duration.ZERO).build()).build());
  }

  @AfterAll
  static void stop() throws Exception {
    store.close();
    net.close().await(30, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] readAll(InputStream in) throws Exception {
    try (in) {
      return in.readAllBytes();
    }
  }

  @Test
  void storeQuilt_thenEveryFileReadsBackExactly_byPatchId_byIdentifier_andInTheList() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("notes.txt", "hello quilt".getBytes());
    files.put("dir/a b+é~x.bin", random(40_000, 1));
    files.put("empty", new byte[0]);
    files.put("one", new byte[] {42});
    Path onDisk = Files.write(root.resolve("big.bin"), random(100_000, 2));
    List<QuiltFile> quilt = new ArrayList<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Map<String, String> tags = f.getKey().equals("notes.txt")
          ? Map.of("content-type", "text/plain", "author", "alice") : Map.of();
      quilt.add(new QuiltFile(f.getKey(), tags, BlobSource.ofBytes(f.getValue())));
    }
    quilt.add(QuiltFile.of("big.bin", BlobSource.ofFile(onDisk)));
    files.put("big.bin", Files.readAllBytes(onDisk));

    QuiltStoreResult stored = store.storeQuilt(quilt, StoreOptions.epochs(2));

    BlobId quiltId = stored.blob().blobId();
    assertThat(stored.blob().alreadyCertified()).isFalse();
    assertThat(stored.patches()).extracting(QuiltPatch::identifier).containsExactlyElementsOf(files.keySet());
    for (int i = 0; i < stored.patches().size(); i++) {
      QuiltPatch p = stored.patches().get(i);
      assertThat(p.patchId()).isEqualTo(QuiltPatchId.ofPatch(quiltId, i));
      byte[] expected = files.get(p.identifier());
      try (PatchStream in = store.readPatch(p.patchId())) {
        assertThat(in.readAllBytes()).as("by patch id: %s", p.identifier()).isEqualTo(expected);
        assertThat(in.length()).isEqualTo(expected.length);
      }
      assertThat(readAll(store.readPatch(quiltId, p.identifier()))).as("by identifier: %s", p.identifier())
          .isEqualTo(expected);
    }
    try (PatchStream notes = store.readPatch(stored.patches().get(0).patchId())) {
      assertThat(notes.identifier()).isEqualTo("notes.txt");
      assertThat(notes.headerTags()).containsEntry("content-type", "text/plain").doesNotContainKey("author");
    }

    List<QuiltPatch> listed = store.listPatches(quiltId);
    assertThat(listed).extracting(QuiltPatch::identifier).containsExactlyElementsOf(files.keySet());
    assertThat(listed).extracting(QuiltPatch::patchId)
        .containsExactlyElementsOf(stored.patches().stream().map(QuiltPatch::patchId).toList());
    assertThat(listed.get(0).tags()).isEqualTo(Map.of("author", "alice", "content-type", "text/plain"));

    assertThat(store.size(quiltId)).as("HEAD of the quilt blob").isGreaterThan(100_000 + 40_000);
  }

  @Test
  void storeQuilt_sameFilesAgain_isTheSameQuilt_alreadyCertified() throws Exception {
    List<QuiltFile> quilt = List.of(QuiltFile.of("a", BlobSource.ofBytes(random(500, 3))),
        QuiltFile.of("b", BlobSource.ofBytes(random(700, 4))));
    QuiltStoreResult first = store.storeQuilt(quilt, StoreOptions.epochs(1));
    QuiltStoreResult again = store.storeQuilt(quilt, StoreOptions.epochs(1));
    assertThat(again.blob().blobId()).isEqualTo(first.blob().blobId());
    assertThat(again.blob().alreadyCertified()).isTrue();
    assertThat(again.patches()).isEqualTo(first.patches());
  }

  @Test
  void storeQuilt_aOneShotStreamOfUnknownLength_isSentChunked() throws Exception {
    byte[] data = random(70_000, 5);
    QuiltStoreResult r = store.storeQuilt(List.of(
        QuiltFile.of("streamed", BlobSource.ofStream(new ByteArrayInputStream(data), -1))), StoreOptions.epochs(1));
    assertThat(readAll(store.readPatch(r.patches().get(0).patchId()))).isEqualTo(data);
  }

  @Test
  void size_isTheBlobsLength_byHead() throws Exception {
    byte[] blob = random(12_345, 6);
    BlobId id = store.store(BlobSource.ofBytes(blob), StoreOptions.epochs(1)).blobId();
    assertThat(store.size(id)).isEqualTo(12_345);
  }

  @Test
  void missing_quiltOrPatch_isBlobNotFound() throws Exception {
    QuiltStoreResult r = store.storeQuilt(List.of(QuiltFile.of("only", BlobSource.ofBytes(new byte[3]))),
        StoreOptions.epochs(1));
    BlobId quilt = r.blob().blobId();
    BlobId unknown = BlobId.of(random(32, 7));

    for (ThrowingRead read : List.<ThrowingRead>of(
        () -> store.readPatch(QuiltPatchId.ofPatch(quilt, 1)),
        () -> store.readPatch(quilt, "absent"),
        () -> store.readPatch(QuiltPatchId.ofPatch(unknown, 0)),
        () -> store.listPatches(unknown),
        () -> store.size(unknown))) {
      StorageException e = catchThrowableOfType(StorageException.class, read::run);
      assertThat(e).isNotNull();
      assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.BLOB_NOT_FOUND);
      assertThat(e.httpStatus()).isEqualTo(404);
    }
  }

  @Test
  void aPlainBlob_isNoQuilt_forThePatchRoutes() throws Exception {
    BlobId plain = store.store(BlobSource.ofBytes(random(2_000, 8)), StoreOptions.epochs(1)).blobId();
    StorageException e = catchThrowableOfType(StorageException.class, () -> store.listPatches(plain));
    assertThat(e).isNotNull();
    assertThat(e.httpStatus()).as(e.getMessage()).isBetween(400, 499);
  }

  @FunctionalInterface
  interface ThrowingRead {
    void run() throws Exception;
  }
}
