package io.cachet.storage.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.storage.node.NodeFixture.Blob;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts on the same data directory, and the damage that must stop a node from starting. */
class NodeRecoveryTest {
  private static final int ME = 4;
  private static Vertx vertx;

  @TempDir
  Path root;
  private NodeFixture fx;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void fixture() throws Exception {
    fx = new NodeFixture(vertx, root);
  }

  @AfterEach
  void stop() throws Exception {
    fx.close();
  }

  private Blob commit(StorageNode node, long length, long seed, String uploadId, long endEpoch) throws Exception {
    Blob blob = fx.blob(length, seed);
    fx.upload(node, ME, uploadId, blob);
    assertThat(fx.commit(node, uploadId, blob, endEpoch).status()).isEqualTo(200);
    return blob;
  }

  private Path blobDir(Blob blob) {
    return fx.dir(ME).resolve("blobs").resolve(blob.id().toString());
  }

  @Test
  void restart_servesWhatItConfirmed_andDropsUnfinishedUploads() throws Exception {
    StorageNode node = fx.start(ME);
    Blob blob = commit(node, 7000, 1, "done", 15);
    Blob pending = fx.blob(4000, 2);
    fx.upload(node, ME, "pending", pending);
    fx.stop(node);
    Files.writeString(fx.dir(ME).resolve("blobs").resolve("leftover.gc.tmp"), "x");
    Files.writeString(blobDir(blob).resolve("lifetime.tmp"), "half");

    StorageNode again = fx.start(ME);

    try (var left = Files.list(fx.dir(ME).resolve("uploads"))) {
      assertThat(left).isEmpty();
    }
    assertThat(fx.dir(ME).resolve("blobs").resolve("leftover.gc.tmp")).doesNotExist();
    assertThat(blobDir(blob).resolve("lifetime.tmp")).doesNotExist();
    for (int s = 0; s < blob.stripes(); s++) {
      assertThat(fx.get(again, "/v1/blobs/" + blob.id() + "/stripes/" + s).body()).isEqualTo(blob.shard(s, ME));
    }
    assertThat(fx.get(again, "/v1/blobs/" + blob.id() + "/metadata").header("X-Cachet-End-Epoch")).isEqualTo("15");
    assertThat(fx.get(again, "/health").json().getInteger("blobs")).isEqualTo(1);
    NodeFixture.assertError(fx.commit(again, "pending", pending, 15), 404, "UPLOAD_NOT_FOUND");
    // a raised lifetime survives a restart too
    fx.upload(again, ME, "raise", blob);
    assertThat(fx.commit(again, "raise", blob, 30).json().getBoolean("alreadyStored")).isTrue();
    fx.stop(again);
    StorageNode third = fx.start(ME);
    assertThat(fx.get(third, "/v1/blobs/" + blob.id() + "/metadata").header("X-Cachet-End-Epoch")).isEqualTo("30");
  }

  @Test
  void tornLifetimeFile_refusesToStart_namingTheFile() throws Exception {
    StorageNode node = fx.start(ME);
    Blob blob = commit(node, 100, 3, "t", 15);
    fx.stop(node);
    Path lifetime = blobDir(blob).resolve("lifetime");
    byte[] bytes = Files.readAllBytes(lifetime);
    Files.write(lifetime, java.util.Arrays.copyOf(bytes, 7));

    assertThatThrownBy(() -> fx.start(ME)).isInstanceOf(ExecutionException.class)
        .hasMessageContaining(lifetime.toString()).hasMessageContaining("12");

    bytes[3] ^= 1;
    Files.write(lifetime, bytes);
    assertThatThrownBy(() -> fx.start(ME)).isInstanceOf(ExecutionException.class)
        .hasMessageContaining(lifetime.toString()).hasMessageContaining("CRC32C");
  }

  @Test
  void blobDirectoryWithoutMetadata_refusesToStart() throws Exception {
    StorageNode node = fx.start(ME);
    Blob blob = commit(node, 100, 4, "m", 15);
    fx.stop(node);
    Files.delete(blobDir(blob).resolve("metadata"));
    assertThatThrownBy(() -> fx.start(ME)).hasMessageContaining(blobDir(blob).toString());
  }

  @Test
  void keyNotTheOneTheNetworkLists_refusesToStart() throws Exception {
    // node 3's configuration pointed at node 4's directory: the key there is node 4's
    NodeConfig wrong = new NodeConfig(fx.dir(ME), 3, fx.network, "127.0.0.1", 0, 60_000, 60_000, fx.now::get);
    assertThatThrownBy(() -> fx.start(wrong)).hasMessageContaining("node-3").hasMessageContaining("node.key");
    NodeConfig noKey = new NodeConfig(root.resolve("empty"), 3, fx.network, "127.0.0.1", 0, 60_000, 60_000,
        fx.now::get);
    assertThatThrownBy(() -> fx.start(noKey)).hasMessageContaining("node.key");
  }
}
