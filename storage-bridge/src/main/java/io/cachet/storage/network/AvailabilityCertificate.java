package io.cachet.storage.network;

import io.cachet.storage.BlobId;
import io.cachet.storage.node.Confirmation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Proof that a blob is available: confirmations of (blob id, size, end epoch) signed by at least
 * 2f + 1 distinct nodes of the network. The publisher hands it to a {@code CertificateSink}; the
 * devnet records it on the ledger.
 */
public record AvailabilityCertificate(BlobId blobId, long size, long endEpoch, List<Confirmation> confirmations) {
  public AvailabilityCertificate {
    confirmations = List.copyOf(confirmations);
  }

  /** Throws IllegalArgumentException unless 2f + 1 distinct known nodes signed exactly these fields. */
  public void verify(NetworkConfig network) {
    Set<String> signers = new HashSet<>();
    for (Confirmation c : confirmations) {
      NodeInfo node = network.node(c.nodeId());
      if (node == null || !node.hasKey(c.publicKey())) {
        throw new IllegalArgumentException("confirmation from unknown node " + c.nodeId());
      }
      if (!c.blobId().equals(blobId) || c.size() != size || c.endEpoch() != endEpoch) {
        throw new IllegalArgumentException("confirmation from " + c.nodeId() + " is for other fields");
      }
      if (!c.verifies()) {
        throw new IllegalArgumentException("bad signature from node " + c.nodeId());
      }
      signers.add(c.nodeId());
    }
    if (signers.size() < network.quorum()) {
      throw new IllegalArgumentException("certificate has " + signers.size() + " distinct signers, needs "
          + network.quorum());
    }
  }

  public JsonObject toJson() {
    JsonArray array = new JsonArray();
    confirmations.forEach(c -> array.add(c.toJson()));
    return new JsonObject().put("blobId", blobId.toString()).put("size", size).put("endEpoch", endEpoch)
        .put("confirmations", array);
  }

  public static AvailabilityCertificate fromJson(JsonObject j) {
    try {
      JsonArray array = j.getJsonArray("confirmations");
      List<Confirmation> list = new java.util.ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        list.add(Confirmation.fromJson(array.getJsonObject(i)));
      }
      return new AvailabilityCertificate(BlobId.parse(j.getString("blobId")), j.getLong("size"),
          j.getLong("endEpoch"), list);
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("malformed certificate", e);
    }
  }
}
