package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * How a picture reads the commands' documents: the states a row takes from {@code status --json}
 * and {@code devnet status --json}, in the documents' own shapes (as the commands print them).
 */
class NetworkPictureTest {
  private static JsonObject probe(String name, String role, boolean up, String state, Long height, Long lag,
      String url) {
    JsonObject p = new JsonObject().put("name", name).put("role", role).put("up", up).put("state", state)
        .put("url", url);
    if (height != null) {
      p.put("height", height);
    }
    if (lag != null) {
      p.put("lag", lag);
    }
    if (!up) {
      p.put("detail", "connection refused");
    }
    return p;
  }

  private static JsonObject status(JsonObject storage, JsonObject... parts) {
    JsonObject s = new JsonObject().put("chain", "embedded").put("ledgerId", "cachet-devnet").put("height", 40)
        .put("healthy", false).put("parts", new JsonArray(java.util.List.of((Object[]) parts)))
        .put("problems", new JsonArray().add("ks-2 9 blocks behind"));
    if (storage != null) {
      s.put("storage", storage);
    }
    return s;
  }

  private static JsonObject part(JsonObject picture, String name) {
    for (Object o : picture.getJsonArray("parts")) {
      if (((JsonObject) o).getString("name").equals(name)) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no " + name + " in " + picture.encode());
  }

  @Test
  void compose_keyServers_lagPastTheBoundIsLagging_staleIsStale_silentIsDown() {
    JsonObject p = NetworkPicture.compose(status(null,
        probe("ledger", "ledger", true, "serving", 40L, null, "127.0.0.1:1"),
        probe("ks-1", "key-server", true, "serving", 39L, 1L, "127.0.0.1:2"),
        probe("ks-2", "key-server", true, "serving", 31L, 9L, "127.0.0.1:3"),
        probe("ks-3", "key-server", true, "stale", 10L, 30L, "127.0.0.1:4"),
        probe("ks-4", "key-server", false, "down", null, null, "127.0.0.1:5")), null, 1_000);
    assertThat(part(p, "ledger").getString("state")).isEqualTo("up");
    assertThat(part(p, "ledger").getString("detail")).isEqualTo("height 40");
    assertThat(part(p, "ks-1").getString("state")).isEqualTo("up");
    assertThat(part(p, "ks-2").getString("state")).isEqualTo("lagging");
    assertThat(part(p, "ks-2").getString("detail")).startsWith("9 blocks behind");
    assertThat(part(p, "ks-3").getString("state")).isEqualTo("stale");
    assertThat(part(p, "ks-4").getString("state")).isEqualTo("down");
    assertThat(part(p, "ks-4").getString("detail")).isEqualTo("connection refused");
    assertThat(p.getValue("devnet")).isNull();
    assertThat(p.getValue("storage")).as("no gateway report").isNull();
    assertThat(part(p, "ks-1").getBoolean("stoppable")).isFalse();
  }

  @Test
  void compose_nodes_stoppedOnTheDevnet_diskFull_unreachable_andShardHealth() {
    JsonObject reports = new JsonObject()
        .put("node-0", new JsonObject().put("status", "serving").put("shards", 8).put("usedBytes", 4096)
            .put("blobs", 2).put("freeBytes", 1L << 30))
        .put("node-1", new JsonObject().put("status", "disk_full").put("shards", 8).put("usedBytes", 4096))
        .put("node-2", new JsonObject().put("status", "unreachable"))
        .put("node-3", new JsonObject().put("status", "serving").put("shards", 6).put("usedBytes", 3000));
    JsonObject storage = new JsonObject().put("status", "no_write_quorum").put("reason", "only 2 of 4 serve")
        .put("nodes", 4).put("nodesServing", 2).put("writeQuorum", 3).put("readQuorum", 2)
        .put("nodeReports", reports)
        .put("repair", new JsonObject().put("running", false).put("passes", 3).put("shardsRepaired", 2)
            .put("lastPass", new JsonObject().put("shardsChecked", 30).put("shardsBad", 2)));
    JsonObject devnet = new JsonObject().put("running", true).put("mode", "in-jvm").put("parts", new JsonArray()
        .add(new JsonObject().put("name", "ledger").put("running", true))
        .add(new JsonObject().put("name", "node-2").put("running", false))
        .add(new JsonObject().put("name", "gateway").put("running", true)));
    JsonObject p = NetworkPicture.compose(status(storage,
        probe("ledger", "ledger", true, "serving", 40L, null, "127.0.0.1:1"),
        probe("publisher", "storage", true, "up", null, null, "127.0.0.1:9"),
        probe("aggregator", "storage", true, "up", null, null, "127.0.0.1:9")), devnet, 1_000);

    assertThat(part(p, "node-0").getString("state")).isEqualTo("up");
    assertThat(part(p, "node-0").getString("detail")).isEqualTo("4.0 KiB used, 8 shards, 2 blobs, 1.0 GiB free");
    assertThat(part(p, "node-1").getString("state")).isEqualTo("disk_full");
    assertThat(part(p, "node-2").getString("state")).as("the devnet's word wins").isEqualTo("stopped");
    assertThat(NetworkPicture.compose(status(storage, probe("ledger", "ledger", true, "serving", 40L, null, "l:1"))
        .put("healthy", true), devnet, 1_000).getBoolean("healthy"))
        .as("status saw every part in step, but the devnet has since stopped a node").isFalse();
    assertThat(part(p, "node-2").getBoolean("stoppable")).isTrue();
    assertThat(p.getJsonArray("problems").getList()).as("every part not up is named once, nodes too")
        .contains("node-1 disk_full", "node-2 stopped", "gateway no_write_quorum").doesNotContain("node-0 up");
    assertThat(part(p, "gateway").getString("state")).isEqualTo("no_write_quorum");
    assertThat(part(p, "gateway").getString("detail")).isEqualTo("2 of 4 nodes serving: only 2 of 4 serve");
    assertThat(part(p, "gateway").getBoolean("stoppable")).as("inside the devnet's JVM").isFalse();
    assertThat(part(p, "ledger").getString("devnetPart")).isEqualTo("ledger");
    JsonObject shards = p.getJsonObject("storage").getJsonObject("shards");
    assertThat(shards.getLong("expected")).isEqualTo(8 * 4);
    assertThat(shards.getLong("held")).as("node-0, node-1 (reads go on) and node-3").isEqualTo(8 + 8 + 6);
    assertThat(shards.getJsonObject("lastPass").getLong("shardsBad")).isEqualTo(2);
    assertThat(p.getJsonObject("repair").getLong("passes")).isEqualTo(3);
  }

  @Test
  void compose_aPublisherApartFromTheAggregator_isTwoRows_andAFailedStatusStillHasAShape() {
    JsonObject p = NetworkPicture.compose(status(null,
        probe("publisher", "storage", true, "up", null, null, "pub.example:443"),
        probe("aggregator", "storage", false, "down", null, null, "agg.example:443")), null, 5);
    assertThat(part(p, "publisher").getString("state")).isEqualTo("up");
    assertThat(part(p, "aggregator").getString("state")).isEqualTo("down");

    JsonObject none = NetworkPicture.compose(null, null, 5);
    assertThat(none.getJsonArray("parts")).isEmpty();
    assertThat(none.getBoolean("healthy")).isFalse();
    assertThat(NetworkPicture.failed(5, new IllegalStateException("/secret/path")).getString("error"))
        .isEqualTo("the probe failed (IllegalStateException)");
  }
}
