package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import io.cachet.storage.gateway.Auditor;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repair loop and the auditor as they run in production: on their timers, nobody calling them. */
class BackgroundLoopsTest {
  static final int SHARD = 4096;

  @TempDir Path root;
  LocalNet net;
  final List<Auditor.Result> heard = new CopyOnWriteArrayList<>();

  @BeforeEach
  void up() {
    net = LocalNet.start(root, LocalNetwork.Options.defaults().withNodes(LocalNet.N, SHARD).withIntervals(200, 50));
    net.net.gateway().onAudit(heard::add);
  }

  @AfterEach
  void down() {
    net.close();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void damageIsFoundByTheAuditorAndHealedByTheRepairLoop() throws Exception {
    byte[] data = LocalNet.random(4 * 3 * SHARD + 5, 1);
    BlobId id = net.store(data, 5).blobId();
    net.awaitCertificates(id);
    await("healthy challenges", () -> heard.stream().filter(Auditor.Result::passed).count() >= 5);

    // Node 6 loses its whole copy while stopped, node 2 gets a flipped byte in every stripe.
    net.stop(6);
    try (var walk = Files.walk(net.blobDir(6, id))) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    net.start(6);
    try (RandomAccessFile f = new RandomAccessFile(net.blobDir(2, id).resolve("shards").toFile(), "rw")) {
      for (long s = 0; s < 5; s++) {
        f.seek(s * SHARD + 3);
        int b = f.read();
        f.seek(s * SHARD + 3);
        f.write(b ^ 1);
      }
    }
    await("both nodes whole again", () -> {
      try {
        return net.listed(6).contains(id.toString())
            && net.nodeJson(6, "/v1/blobs/" + id + "/health").getJsonArray("bad").isEmpty()
            && net.nodeJson(2, "/v1/blobs/" + id + "/health").getJsonArray("bad").isEmpty();
      } catch (AssertionError e) {
        return false;
      }
    });
    net.down(List.of(0, 1, 3, 4));
    assertThat(net.read(id)).isEqualTo(data);
    // Audits ran all along; the gateway's metrics count them.
    assertThat(heard).hasSizeGreaterThan(5);
    assertThat(new String(net.gatewayGet("/metrics").body())).contains("cachet_gateway_challenges_total");
  }
}
