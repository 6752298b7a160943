package io.cachet.storage.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.node.NodeFixture.Blob;
import io.cachet.storage.node.NodeFixture.Resp;
import io.cachet.common.http.ApiError;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's {@code GET /health} says why it is not serving, on real disks: a data directory on a
 * small tmpfs filled to the last byte, a write that the full disk fails, and a data directory
 * moved away under a running node. Each answer is 503 in the one shape, {@code status} and a
 * {@code reason} that names neither a path nor an exception's text.
 */
class NodeHealthTest {
  private static final int ME = 3;
  /** The tmpfs the data directory lives on: room for the store's files and a few stripes. */
  private static final String DISK_SIZE = "1m";
  /** Longest a mount or umount may take on a loaded machine. */
  private static final Duration COMMAND_BOUND = Duration.ofSeconds(60);

  @TempDir
  Path root;

  private Vertx vertx;
  private NodeFixture fx;
  private Path mounted;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    fx = new NodeFixture(vertx, root);
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (mounted != null) {
      command("umount", mounted.toString());
    }
  }

  @Test
  void health_diskFilledThenWriteFails_saysDiskFullThenFailedThenServingAfterAWrite() throws Exception {
    Path data = smallDisk();
    StorageNode node = fx.start(new NodeConfig(data, ME, fx.network, "127.0.0.1", 0, 3_600_000, 600_000,
        fx.now::get, List.of(fx.publisher.publicKey()), fx.dir(ME).resolve(NodeKeys.KEY_FILE)));
    assertThat(health(node, 200).getString("status")).isEqualTo("serving");

    Path filler = data.resolve("filler");
    fill(filler);
    JsonObject full = health(node, 503);
    assertThat(full.getString("status")).isEqualTo("disk_full");
    assertThat(full.getString("reason")).contains("bytes free").doesNotContain(data.toString());
    assertThat(full.getLong("freeBytes")).isLessThan(full.getLong("minFreeBytes"));

    Blob blob = fx.blob(3 * NodeFixture.SHARD * 3L, 7);
    Resp refused = fx.put(node, "/v1/uploads/up-1/stripes/0", blob.shard(0, ME));
    assertThat(refused.status()).as(new String(refused.body())).isEqualTo(507);
    assertThat(ApiError.parse(new String(refused.body(), StandardCharsets.UTF_8), refused.status()))
        .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo("INSUFFICIENT_STORAGE"));

    Files.delete(filler);
    JsonObject failed = health(node, 503);
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getBoolean("reads")).isTrue();
    assertThat(failed.getString("reason")).contains("a write to the data directory failed")
        .doesNotContain(data.toString()).doesNotContain("Exception");

    fx.upload(node, ME, "up-2", blob);
    assertThat(health(node, 200).getString("status")).isEqualTo("serving");
  }

  @Test
  void health_writeFailedLongAgo_servesAgainWithoutAWrite() throws Exception {
    Path data = smallDisk();
    StorageNode node = fx.start(new NodeConfig(data, ME, fx.network, "127.0.0.1", 0, 3_600_000, 600_000,
        fx.now::get, List.of(fx.publisher.publicKey()), fx.dir(ME).resolve(NodeKeys.KEY_FILE)));
    Path filler = data.resolve("filler");
    fill(filler);
    Blob blob = fx.blob(NodeFixture.SHARD, 8);
    assertThat(fx.put(node, "/v1/uploads/up-1/stripes/0", blob.shard(0, ME)).status()).isEqualTo(507);
    Files.delete(filler);
    assertThat(health(node, 503).getString("status")).isEqualTo("failed");

    fx.now.addAndGet(NodeHealth.WRITE_FAILURE_MEMORY_MILLIS);
    assertThat(health(node, 200).getString("status")).isEqualTo("serving");
  }

  @Test
  void health_dataDirectoryMovedAway_saysFailedUntilItIsBack() throws Exception {
    StorageNode node = fx.start(ME);
    assertThat(health(node, 200).getString("status")).isEqualTo("serving");
    Path away = root.resolve("moved-away");
    Files.move(fx.dir(ME), away);
    try {
      JsonObject gone = health(node, 503);
      assertThat(gone.getString("status")).isEqualTo("failed");
      assertThat(gone.getBoolean("reads")).as("no read can succeed without the data").isFalse();
      assertThat(gone.getString("reason")).contains("data directory is gone").doesNotContain(root.toString());
    } finally {
      Files.move(away, fx.dir(ME));
    }
    assertThat(health(node, 200).getString("status")).isEqualTo("serving");
  }

  private JsonObject health(StorageNode node, int status) throws Exception {
    Resp r = fx.get(node, "/health");
    assertThat(r.status()).as(new String(r.body())).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/json");
    return r.json();
  }

  /** A size-limited tmpfs on a new directory, or the test is skipped saying why it cannot be made here. */
  private Path smallDisk() throws Exception {
    Path dir = Files.createDirectory(root.resolve("small-disk"));
    String refused = command("mount", "-t", "tmpfs", "-o", "size=" + DISK_SIZE + ",mode=0700", "tmpfs",
        dir.toString());
    Assumptions.assumeTrue(refused == null, () -> "a tmpfs cannot be mounted here (needs root): " + refused);
    mounted = dir;
    return dir;
  }

  /** Writes until the filesystem refuses another byte. */
  private static void fill(Path file) throws IOException {
    byte[] chunk = new byte[4096];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      // the disk is full: what the test wants
    }
    try (OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
      for (int i = 0; i < 4096; i++) {
        out.write(0);
        out.flush();
      }
    } catch (IOException full) {
      // the last bytes of the last block
    }
  }

  /**
   * Runs a system command; null when it exited 0, else its output. The output goes to a file, not
   * a pipe read before the wait, so a hung mount or umount ends in "timed out" after the bound
   * instead of blocking the test forever on a read that never sees the end of the stream.
   */
  private static String command(String... args) throws Exception {
    Path output = Files.createTempFile("node-health-command", ".out");
    try {
      Process p;
      try {
        p = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      } catch (IOException e) {
        return e.getMessage();
      }
      if (!p.waitFor(COMMAND_BOUND.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      return p.exitValue() == 0 ? null : Files.readString(output);
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
