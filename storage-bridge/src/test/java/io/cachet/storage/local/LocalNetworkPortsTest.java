package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node of a local network gets its own port. Vert.x lets two servers of one instance bind
 * the same port and splits requests between them, so a collision is silent: a run of this suite
 * once started node-0 and node-2 on one port, and each received the other's shards.
 */
class LocalNetworkPortsTest {
  @TempDir Path root;

  @Test
  void portsChosenTogetherAreDistinct() throws Exception {
    for (int round = 0; round < 300; round++) {
      int[] ports = LocalNetwork.freePorts(8);
      Set<Integer> distinct = new HashSet<>();
      for (int p : ports) {
        distinct.add(p);
      }
      assertThat(distinct).hasSize(8);
    }
  }

  @Test
  void portsAreChosenBelowTheEphemeralRange_soNoOutgoingConnectionTakesOneBeforeItsServerStarts() throws Exception {
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(range), "no Linux ephemeral range here");
    int ephemeralStart = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]);
    org.junit.jupiter.api.Assumptions.assumeTrue(ephemeralStart > 20_000 + 64, "no room below the range");
    for (int round = 0; round < 50; round++) {
      for (int p : LocalNetwork.freePorts(8)) {
        assertThat(p).isBetween(20_000, ephemeralStart - 1);
      }
    }
  }

  @Test
  void aNetworkFileGivingTwoNodesOnePortIsRefused() throws Exception {
    LocalNet.start(root, 4096).close(); // creates network.json
    Path file = root.resolve("network.json");
    JsonObject json = new JsonObject(Files.readString(file));
    JsonArray nodes = json.getJsonArray("nodes");
    String url0 = nodes.getJsonObject(0).getString("url");
    nodes.getJsonObject(2).put("url", url0);
    Files.writeString(file, json.encodePrettily());
    Vertx vertx = Vertx.vertx();
    try {
      Throwable failure = null;
      try {
        LocalNetwork.start(vertx, root, LocalNetwork.Options.defaults().withIntervals(0, 0))
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        failure = e.getCause();
      }
      assertThat(failure).isNotNull();
      assertThat(failure.getMessage()).contains("node-0", "node-2", "same port",
          url0.substring(url0.lastIndexOf(':') + 1));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aGatewayPortThatIsANodesPortIsRefused() throws Exception {
    LocalNet.start(root, 4096).close();
    JsonObject json = new JsonObject(Files.readString(root.resolve("network.json")));
    String url3 = json.getJsonArray("nodes").getJsonObject(3).getString("url");
    Files.writeString(root.resolve("gateway.port"), url3.substring(url3.lastIndexOf(':') + 1));
    Vertx vertx = Vertx.vertx();
    try {
      Throwable failure = null;
      try {
        LocalNetwork.start(vertx, root, LocalNetwork.Options.defaults().withIntervals(0, 0))
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        failure = e.getCause();
      }
      assertThat(failure).isNotNull();
      assertThat(failure.getMessage()).contains("node-3", "gateway port");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
