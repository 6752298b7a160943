package io.cachet.storage.gateway;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.http.Buffers;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings every node back to holding a verified shard of every stripe of every live blob. One pass:
 * list the blobs all reachable nodes hold; for each, ask every node to scrub its shards; install
 * the blob (metadata + certificate, both checked by the node) on a node that never got it; rebuild
 * each missing or corrupt shard from k verified shards of the others and write it back (the node
 * checks it against the metadata before writing). Stripes are repaired one at a time, so memory
 * stays at one stripe. Nodes that do not answer are skipped until the next pass.
 */
public final class Repairer {
  private static final Logger LOG = LoggerFactory.getLogger(Repairer.class);
  private static final int PAGE = 1000;

  /**
   * What one pass did: blobs looked at, shards rewritten per node, and what could not be done;
   * {@code shardsChecked} the shards the nodes that answered scrubbed (one per stripe and node),
   * {@code shardsBad} those found missing or corrupt before the pass rewrote them.
   */
  public record Report(int blobs, Map<String, Long> repairedShards, List<String> problems, long shardsChecked,
      long shardsBad) {
    public long totalRepaired() {
      return repairedShards.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private final NodeClient nodes;
  private final StripeReader reader;
  private final GatewayMetrics metrics;
  private final NetworkConfig network;
  private final LongSupplier nowMillis;
  // Confined to the gateway's event loop, as every pass is.
  private boolean running;
  private long passes;
  private long shardsRepairedTotal;
  private long lastPassAtMillis = -1;
  private Report lastPass;
  private long checkedThisPass;
  private long badThisPass;

  Repairer(NodeClient nodes, StripeReader reader, GatewayMetrics metrics, LongSupplier nowMillis) {
    this.nodes = nodes;
    this.reader = reader;
    this.metrics = metrics;
    this.network = nodes.network();
    this.nowMillis = nowMillis;
  }

  /**
   * What repair has done, for the gateway's {@code /health}: whether a pass runs now, passes
   * finished and shards rewritten since start, and the last finished pass (when, blobs, shards
   * checked, found bad and rewritten, problems). Call on the gateway's event loop.
   */
  JsonObject activity() {
    JsonObject a = new JsonObject().put("running", running).put("passes", passes)
        .put("shardsRepaired", shardsRepairedTotal);
    if (lastPass != null) {
      a.put("lastPass", new JsonObject().put("atMillis", lastPassAtMillis).put("blobs", lastPass.blobs())
          .put("shardsChecked", lastPass.shardsChecked()).put("shardsBad", lastPass.shardsBad())
          .put("shardsRepaired", lastPass.totalRepaired()).put("problems", lastPass.problems().size()));
    }
    return a;
  }

  Future<Report> runOnce() {
    if (running) {
      return Future.failedFuture(new IllegalStateException("a repair pass is already running"));
    }
    running = true;
    checkedThisPass = 0;
    badThisPass = 0;
    Map<String, Long> repaired = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    return listAll(problems)
        .compose(blobs -> sequentially(new ArrayList<>(blobs.keySet()), 0, repaired, problems)
            .map(v -> new Report(blobs.size(), repaired, problems, checkedThisPass, badThisPass)))
        .onComplete(ar -> {
          running = false;
          if (ar.succeeded()) {
            passes++;
            lastPass = ar.result();
            lastPassAtMillis = nowMillis.getAsLong();
          }
          if (ar.succeeded() && ar.result().totalRepaired() > 0) {
            LOG.info("repair pass: {} blobs, rewrote {}", ar.result().blobs(), repaired);
          }
        });
  }

  /** Union of every reachable node's listing. */
  Future<Map<BlobId, Long>> listAll(List<String> problems) {
    Map<BlobId, Long> all = new TreeMap<>();
    List<Future<Void>> lists = new ArrayList<>();
    for (int j = 0; j < network.n(); j++) {
      int node = j;
      lists.add(listFrom(node, null, all).recover(e -> {
        problems.add(network.nodes().get(node).id() + " not listed: " + e.getMessage());
        return Future.succeededFuture();
      }));
    }
    return Future.join(lists).map(v -> all);
  }

  private Future<Void> listFrom(int node, BlobId after, Map<BlobId, Long> into) {
    return nodes.list(node, after, PAGE).compose(page -> {
      page.blobs().forEach(b -> into.merge(b.blobId(), b.endEpoch(), Math::max));
      return page.next() == null ? Future.succeededFuture() : listFrom(node, page.next(), into);
    });
  }

  private Future<Void> sequentially(List<BlobId> blobs, int at, Map<String, Long> repaired, List<String> problems) {
    if (at == blobs.size()) {
      return Future.succeededFuture();
    }
    BlobId blob = blobs.get(at);
    return repairBlob(blob, repaired, problems)
        .recover(e -> {
          problems.add(blob + ": " + e.getMessage());
          return Future.succeededFuture();
        })
        .compose(v -> sequentially(blobs, at + 1, repaired, problems));
  }

  private Future<Void> repairBlob(BlobId blob, Map<String, Long> repaired, List<String> problems) {
    return reader.metadata(blob).compose(known -> bestCertificate(blob).compose(best -> {
      BlobMetadata meta = known.metadata();
      Future<Void> chain = Future.succeededFuture();
      for (int j = 0; j < network.n(); j++) {
        int node = j;
        chain = chain.compose(v -> repairNode(meta, best, node, repaired).recover(e -> {
          problems.add(network.nodes().get(node).id() + " " + blob + ": " + e.getMessage());
          return Future.succeededFuture();
        }));
      }
      return chain;
    }));
  }

  /**
   * Repairs one node: installs the blob if it never got it, raises its end epoch to the certified
   * one if it keeps the blob for less, then rewrites its bad shards.
   */
  private Future<Void> repairNode(BlobMetadata meta, AvailabilityCertificate best, int node,
      Map<String, Long> repaired) {
    BlobId blob = meta.blobId();
    return nodes.health(node, blob)
        .compose(health -> raiseLifetime(best, node, health).map(v -> badStripes(health)), e -> {
          // A node that never got the blob (404), or whose metadata file rotted, is given the
          // verified metadata and certificate; a scrub then says which shards it still needs.
          if (e instanceof NodeCallException nce
              && (nce.status() == 404 || "METADATA_CORRUPT".equals(nce.reason()))) {
            return install(meta, best, node).compose(v -> nodes.health(node, blob)).map(this::badStripes);
          }
          return Future.failedFuture(e);
        })
        .compose(bad -> rewrite(meta, node, bad, 0, repaired));
  }

  private Future<Void> install(BlobMetadata meta, AvailabilityCertificate best, int node) {
    if (best == null) {
      return Future.failedFuture(new IllegalStateException("no node holds a valid certificate for " + meta.blobId()));
    }
    LOG.info("installing blob {} on {}, which never had it, until epoch {}", meta.blobId(),
        network.nodes().get(node).id(), best.endEpoch());
    return nodes.repairInstall(node, meta.blobId(), meta.toBytes(), best);
  }

  /** A node keeping the blob for less than the best certificate says is sent it (it raises its end epoch). */
  private Future<Void> raiseLifetime(AvailabilityCertificate best, int node, JsonObject health) {
    Long kept = health.getLong("endEpoch");
    if (best == null || kept == null || kept >= best.endEpoch()) {
      return Future.succeededFuture();
    }
    LOG.info("raising blob {} on {} from end epoch {} to the certified {}", best.blobId(),
        network.nodes().get(node).id(), kept, best.endEpoch());
    return nodes.putCertificate(node, best);
  }

  /**
   * The verified certificate with the latest end epoch any node keeps for the blob, or null if none
   * has one: the certified end epoch is the one repair restores, whichever node answers first.
   */
  private Future<AvailabilityCertificate> bestCertificate(BlobId blob) {
    List<Future<AvailabilityCertificate>> asks = new ArrayList<>();
    for (int j = 0; j < network.n(); j++) {
      asks.add(nodes.certificate(j, blob).map(cert -> {
        cert.verify(network);
        if (!cert.blobId().equals(blob)) {
          throw new IllegalStateException("certificate for another blob");
        }
        return cert;
      }).otherwiseEmpty());
    }
    return Future.join(asks).map(v -> {
      AvailabilityCertificate best = null;
      for (Future<AvailabilityCertificate> f : asks) {
        AvailabilityCertificate c = f.result();
        if (c != null && (best == null || c.endEpoch() > best.endEpoch())) {
          best = c;
        }
      }
      return best;
    });
  }

  private Future<Void> rewrite(BlobMetadata meta, int node, List<Long> bad, int at, Map<String, Long> repaired) {
    if (at == bad.size()) {
      return Future.succeededFuture();
    }
    long stripe = bad.get(at);
    String nodeId = network.nodes().get(node).id();
    return reader.allShards(meta, stripe, node)
        .compose(shards -> {
          byte[] shard = shards[node];
          if (!meta.matches(stripe, node, shard, 0, shard.length)) {
            return Future.failedFuture(new IllegalStateException("rebuilt shard " + node + " of stripe " + stripe
                + " does not match the metadata (inconsistent encoding)"));
          }
          return nodes.repairStripe(node, meta.blobId(), stripe, Buffers.wrap(shard), meta.digest(stripe, node));
        })
        .map(v -> {
          repaired.merge(nodeId, 1L, Long::sum);
          shardsRepairedTotal++;
          metrics.repaired(nodeId, 1);
          return (Void) null;
        })
        .compose(v -> rewrite(meta, node, bad, at + 1, repaired));
  }

  /** The stripes a node's scrub found missing or corrupt, counted into this pass's shard health. */
  private List<Long> badStripes(JsonObject health) {
    JsonArray bad = health.getJsonArray("bad", new JsonArray());
    checkedThisPass += health.getLong("stripes", 0L);
    badThisPass += bad.size();
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < bad.size(); i++) {
      out.add(bad.getLong(i));
    }
    return out;
  }
}
