package io.cachet.storage.network;

import io.cachet.storage.codec.Encoding;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The storage network every node and gateway agree on: the nodes in shard order, the shard size
 * and the epoch schedule. With n nodes, f = floor((n - 1) / 3) may fail; k = f + 1 shards rebuild
 * a stripe; a write is certified by 2f + 1 confirmations.
 */
public record NetworkConfig(List<NodeInfo> nodes, int shardSize, EpochSchedule epochs) {
  public NetworkConfig {
    nodes = List.copyOf(nodes);
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a network has at least one node");
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).index() != i) {
        throw new IllegalArgumentException("node " + nodes.get(i).id() + " has index " + nodes.get(i).index()
            + " at position " + i);
      }
      if (!ids.add(nodes.get(i).id())) {
        throw new IllegalArgumentException("duplicate node id " + nodes.get(i).id());
      }
    }
    Encoding.forNodes(nodes.size(), shardSize);
  }

  public int n() {
    return nodes.size();
  }

  public int f() {
    return (n() - 1) / 3;
  }

  public int k() {
    return f() + 1;
  }

  public int quorum() {
    return 2 * f() + 1;
  }

  public Encoding encoding() {
    return Encoding.forNodes(n(), shardSize);
  }

  public NodeInfo node(String id) {
    for (NodeInfo n : nodes) {
      if (n.id().equals(id)) {
        return n;
      }
    }
    return null;
  }

  public JsonObject toJson() {
    JsonArray array = new JsonArray();
    for (NodeInfo n : nodes) {
      array.add(new JsonObject().put("id", n.id()).put("url", n.url())
          .put("publicKey", Base64.getUrlEncoder().withoutPadding().encodeToString(n.publicKey())));
    }
    return new JsonObject()
        .put("nodes", array)
        .put("shardSize", shardSize)
        .put("genesisMillis", epochs.genesisMillis())
        .put("epochMillis", epochs.epochMillis())
        .put("maxEpochsAhead", epochs.maxEpochsAhead());
  }

  public static NetworkConfig fromJson(JsonObject j) {
    try {
      JsonArray array = j.getJsonArray("nodes");
      List<NodeInfo> nodes = new java.util.ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        JsonObject n = array.getJsonObject(i);
        nodes.add(new NodeInfo(n.getString("id"), i, n.getString("url"),
            Base64.getUrlDecoder().decode(n.getString("publicKey"))));
      }
      return new NetworkConfig(nodes, j.getInteger("shardSize"), new EpochSchedule(
          j.getLong("genesisMillis"), j.getLong("epochMillis"), j.getInteger("maxEpochsAhead")));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("malformed network config: " + e.getMessage(), e);
    }
  }
}
