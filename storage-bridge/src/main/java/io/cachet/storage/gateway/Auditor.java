package io.cachet.storage.gateway;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage challenges. The auditor picks a node, a blob the network holds and a stripe, all at
 * random, and asks the node for that shard with its Merkle path. The answer passes only if the
 * shard hashes, through the path, to the root that the blob id commits to: a node cannot pass
 * without the bytes, and cannot know in advance which bytes it will be asked for.
 */
public final class Auditor {
  private static final Logger LOG = LoggerFactory.getLogger(Auditor.class);

  /** The outcome of one challenge. */
  public record Result(String nodeId, BlobId blobId, long stripe, boolean passed, String detail) {}

  private final NodeClient nodes;
  private final StripeReader reader;
  private final Repairer repairer;
  private final GatewayMetrics metrics;
  private final NetworkConfig network;
  private final SecureRandom random = new SecureRandom();

  Auditor(NodeClient nodes, StripeReader reader, Repairer repairer, GatewayMetrics metrics) {
    this.nodes = nodes;
    this.reader = reader;
    this.repairer = repairer;
    this.metrics = metrics;
    this.network = nodes.network();
  }

  /** Challenges a random node on a random blob; null result when the network holds no blob. */
  Future<Result> challengeRandom() {
    return repairer.listAll(new ArrayList<>()).compose(all -> {
      if (all.isEmpty()) {
        return Future.succeededFuture(null);
      }
      List<BlobId> blobs = new ArrayList<>(all.keySet());
      return challenge(random.nextInt(network.n()), blobs.get(random.nextInt(blobs.size())), -1);
    });
  }

  /** Challenges node {@code node} on blob {@code blob} at a random stripe (or the given one, if >= 0). */
  Future<Result> challenge(int node, BlobId blob, long stripeOrRandom) {
    String nodeId = network.nodes().get(node).id();
    return reader.metadata(blob).compose(known -> {
      BlobMetadata meta = known.metadata();
      if (meta.stripes() == 0) {
        return Future.succeededFuture(new Result(nodeId, blob, 0, true, "empty blob"));
      }
      long stripe = stripeOrRandom >= 0 ? stripeOrRandom : (long) (random.nextDouble() * meta.stripes());
      return nodes.challenge(node, blob, stripe)
          .map(answer -> judge(nodeId, meta, node, stripe, answer))
          .recover(e -> Future.succeededFuture(new Result(nodeId, blob, stripe, false, refusal(e))));
    }).map(result -> {
      metrics.challenge(nodeId, result.passed());
      if (!result.passed()) {
        LOG.warn("node {} failed its challenge on blob {} stripe {}: {}", nodeId, blob, result.stripe(),
            result.detail());
      }
      return result;
    });
  }

  /** Says whether the node refused (and with which reason, e.g. SHARD_CORRUPT) or did not answer. */
  private static String refusal(Throwable e) {
    if (e instanceof NodeCallException nce && !nce.unreachable()) {
      return "refused: HTTP " + nce.status() + " " + nce.reason() + ": " + nce.getMessage();
    }
    return "no answer: " + e.getMessage();
  }

  private Result judge(String nodeId, BlobMetadata meta, int node, long stripe, JsonObject answer) {
    try {
      Base64.Decoder b64 = Base64.getUrlDecoder();
      byte[] shard = b64.decode(answer.getString("shard"));
      Encoding encoding = Encoding.fromDescriptor(b64.decode(answer.getString("encoding")));
      long length = answer.getLong("length");
      JsonArray proofJson = answer.getJsonArray("proof");
      List<byte[]> proof = new ArrayList<>();
      for (int i = 0; i < proofJson.size(); i++) {
        proof.add(b64.decode(proofJson.getString(i)));
      }
      boolean ok = BlobMetadata.provesShard(meta.blobId(), encoding, length, stripe, node, shard, proof);
      return new Result(nodeId, meta.blobId(), stripe, ok, ok ? "proof verified" : "proof does not lead to the blob id");
    } catch (RuntimeException e) {
      return new Result(nodeId, meta.blobId(), stripe, false, "malformed answer: " + e.getMessage());
    }
  }
}
