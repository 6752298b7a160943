package io.cachet.storage.gateway;

import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.erasure.ReedSolomon;
import io.cachet.storage.http.Buffers;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads verified stripes from the nodes. Every shard is checked against the blob's metadata
 * before use; a shard that fails is dropped and another node asked, so a reader gets either the
 * right bytes or an error. Reads prefer the data shards (the code is systematic: no decoding when
 * they are all well), then other shards until k verified ones rebuild the stripe. Nodes that did not
 * answer are asked last for a few seconds (wall time, a heuristic only), so a dead node costs one timeout, not one per stripe.
 * Event-loop confined except the hashing and decoding, which run on workers.
 */
final class StripeReader {
  private static final Logger LOG = LoggerFactory.getLogger(StripeReader.class);
  private static final long DOWN_MILLIS = 3_000;
  private static final int METADATA_CACHE = 256;

  private final Vertx vertx;
  private final NodeClient nodes;
  private final GatewayMetrics metrics;
  private final LongSupplier nowMillis;
  private final NetworkConfig network;
  private final ReedSolomon codec;
  private final long[] downUntil;
  private final Map<BlobId, Known> metadataCache = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<BlobId, Known> eldest) {
      return size() > METADATA_CACHE;
    }
  };

  /** Verified metadata and the end epoch the node that served it keeps the blob until. */
  record Known(BlobMetadata metadata, long endEpoch) {}

  StripeReader(Vertx vertx, NodeClient nodes, GatewayMetrics metrics, LongSupplier nowMillis) {
    this.vertx = vertx;
    this.nodes = nodes;
    this.metrics = metrics;
    this.nowMillis = nowMillis;
    this.network = nodes.network();
    Encoding e = network.encoding();
    this.codec = ReedSolomon.of(e.n(), e.k());
    this.downUntil = new long[network.n()];
  }

  long currentEpoch() {
    return network.epochs().epochAt(nowMillis.getAsLong());
  }

  /**
   * The blob's metadata from the first node that serves metadata matching the id and not expired.
   * Fails with BLOB_NOT_FOUND when every node that answered does not hold it, UNAVAILABLE when too
   * few answered to tell.
   */
  Future<Known> metadata(BlobId blob) {
    Known cached = metadataCache.get(blob);
    if (cached != null && cached.endEpoch() > currentEpoch()) {
      return Future.succeededFuture(cached);
    }
    metadataCache.remove(blob);
    return metadataFrom(blob, order(allNodes()), 0, new int[2]);
  }

  private Future<Known> metadataFrom(BlobId blob, List<Integer> order, int at, int[] notFoundAndFailed) {
    if (at == order.size()) {
      if (notFoundAndFailed[1] > network.f()) {
        return Future.failedFuture(new StorageException(StorageException.Reason.UNAVAILABLE, 503,
            notFoundAndFailed[1] + " storage nodes did not answer; cannot tell whether blob " + blob + " exists"));
      }
      return Future.failedFuture(new StorageException(StorageException.Reason.BLOB_NOT_FOUND, 404,
          "blob " + blob + " is not stored (or has expired)"));
    }
    int node = order.get(at);
    return nodes.metadata(node, blob)
        .compose(m -> vertx.executeBlocking(() -> {
          BlobMetadata parsed = BlobMetadata.parse(m.bytes());
          if (!parsed.blobId().equals(blob) || !parsed.encoding().equals(network.encoding())) {
            throw new IllegalStateException("metadata does not match the blob id");
          }
          return new Known(parsed, m.endEpoch());
        }, false))
        .compose(known -> {
          if (known.endEpoch() <= currentEpoch()) {
            notFoundAndFailed[0]++;
            return metadataFrom(blob, order, at + 1, notFoundAndFailed);
          }
          metadataCache.put(blob, known);
          return Future.succeededFuture(known);
        }, e -> {
          if (e instanceof NodeCallException nce && nce.status() == 404) {
            notFoundAndFailed[0]++;
          } else {
            noteFailure(node, e);
            notFoundAndFailed[1]++;
          }
          return metadataFrom(blob, order, at + 1, notFoundAndFailed);
        });
  }

  /**
   * Bytes [from, to) of stripe {@code stripe}'s data, verified, as pieces to send in order. When
   * the data shards arrive well the pieces are views of what the nodes sent: nothing is copied.
   */
  Future<List<Buffer>> read(BlobMetadata meta, long stripe, int from, int to) {
    int shardLength = meta.encoding().shardLength(meta.length(), stripe);
    int k = meta.encoding().k();
    int first = from / shardLength;
    int last = (to - 1) / shardLength;
    List<Integer> wanted = new ArrayList<>();
    for (int j = first; j <= last; j++) {
      wanted.add(j);
    }
    return gather(meta, stripe, wanted, last - first + 1, false, new Buffer[network.n()]).compose(shards -> {
      boolean complete = true;
      for (int j = first; j <= last; j++) {
        complete &= shards[j] != null;
      }
      Future<Buffer[]> ready = complete ? Future.succeededFuture(shards)
          : gather(meta, stripe, otherShards(wanted), k, true, shards)
              .compose(got -> vertx.executeBlocking(() -> {
                byte[][] all = toArrays(got, shardLength);
                boolean[] present = new boolean[all.length];
                for (int j = 0; j < all.length; j++) {
                  present[j] = got[j] != null;
                }
                codec.reconstructData(all, present, 0, shardLength);
                Buffer[] rebuilt = new Buffer[all.length];
                for (int j = 0; j < k; j++) {
                  rebuilt[j] = Buffers.wrap(all[j]);
                }
                return rebuilt;
              }, false));
      return ready.map(all -> {
        List<Buffer> pieces = new ArrayList<>(last - first + 1);
        for (int j = first; j <= last; j++) {
          int lo = Math.max(from, j * shardLength) - j * shardLength;
          int hi = Math.min(to, (j + 1) * shardLength) - j * shardLength;
          pieces.add(lo == 0 && hi == shardLength ? all[j] : all[j].slice(lo, hi));
        }
        return pieces;
      });
    });
  }

  /**
   * Every shard of a stripe, rebuilt from k verified shards taken from nodes other than
   * {@code skip}: what repair writes back.
   */
  Future<byte[][]> allShards(BlobMetadata meta, long stripe, int skip) {
    int shardLength = meta.encoding().shardLength(meta.length(), stripe);
    List<Integer> candidates = new ArrayList<>();
    for (int j = 0; j < network.n(); j++) {
      if (j != skip) {
        candidates.add(j);
      }
    }
    return gather(meta, stripe, candidates, meta.encoding().k(), true, new Buffer[network.n()]).compose(got ->
        vertx.executeBlocking(() -> {
          byte[][] all = toArrays(got, shardLength);
          boolean[] present = new boolean[got.length];
          for (int j = 0; j < got.length; j++) {
            present[j] = got[j] != null;
          }
          codec.reconstruct(all, present, 0, shardLength);
          return all;
        }, false));
  }

  private static byte[][] toArrays(Buffer[] shards, int shardLength) {
    byte[][] all = new byte[shards.length][];
    for (int j = 0; j < shards.length; j++) {
      all[j] = shards[j] != null ? shards[j].getBytes() : new byte[shardLength];
    }
    return all;
  }

  /**
   * Fetches shards from the candidates, in batches, until {@code need} shards are present in
   * {@code into} (counting those already there). Fails with UNAVAILABLE when the candidates run
   * out and {@code mustReach}.
   */
  private Future<Buffer[]> gather(BlobMetadata meta, long stripe, List<Integer> candidates, int need,
      boolean mustReach, Buffer[] into) {
    List<Integer> queue = new ArrayList<>(order(candidates));
    queue.removeIf(j -> into[j] != null);
    return gatherStep(meta, stripe, queue, need, mustReach, into, new ArrayList<>());
  }

  private Future<Buffer[]> gatherStep(BlobMetadata meta, long stripe, List<Integer> queue, int need,
      boolean mustReach, Buffer[] into, List<String> failures) {
    int have = 0;
    for (Buffer s : into) {
      have += s == null ? 0 : 1;
    }
    if (have >= need || queue.isEmpty()) {
      if (have < need && mustReach) {
        return Future.failedFuture(new StorageException(StorageException.Reason.UNAVAILABLE, 503,
            "stripe " + stripe + " of blob " + meta.blobId() + ": only " + have + " verified shards of "
                + need + " needed; " + failures));
      }
      return Future.succeededFuture(into);
    }
    int batch = Math.min(need - have, queue.size());
    List<Future<Void>> fetches = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      int j = queue.remove(0);
      fetches.add(shard(meta, stripe, j).map(bytes -> {
        into[j] = bytes;
        return (Void) null;
      }).recover(e -> {
        failures.add(network.nodes().get(j).id() + ": " + e.getMessage());
        return Future.succeededFuture();
      }));
    }
    return Future.join(fetches).transform(ar -> gatherStep(meta, stripe, queue, need, mustReach, into, failures));
  }

  /** Shard j of a stripe from node j, verified against the metadata. */
  Future<Buffer> shard(BlobMetadata meta, long stripe, int j) {
    String nodeId = network.nodes().get(j).id();
    return nodes.stripe(j, meta.blobId(), stripe, meta.encoding().shardLength(meta.length(), stripe))
        .onFailure(e -> noteFailure(j, e))
        .compose(buffer -> vertx.executeBlocking(() -> {
          if (!meta.matches(stripe, j, Buffers.view(buffer))) {
            metrics.shardRejected(nodeId, "digest");
            LOG.warn("node {} served a bad shard {} of stripe {} of {}", nodeId, j, stripe, meta.blobId());
            throw new StorageException(StorageException.Reason.INTEGRITY, 0,
                "shard from " + nodeId + " does not match the blob's metadata");
          }
          return buffer;
        }, false));
  }

  private void noteFailure(int node, Throwable e) {
    if (e instanceof NodeCallException nce && nce.unreachable()) {
      downUntil[node] = System.nanoTime() + DOWN_MILLIS * 1_000_000;
    }
  }

  /** Nodes believed up first, in the given order; those that recently failed to answer last. */
  private List<Integer> order(List<Integer> candidates) {
    long now = System.nanoTime();
    List<Integer> up = new ArrayList<>();
    List<Integer> down = new ArrayList<>();
    for (int j : candidates) {
      (downUntil[j] - now > 0 ? down : up).add(j);
    }
    up.addAll(down);
    return up;
  }

  private List<Integer> allNodes() {
    List<Integer> all = new ArrayList<>();
    for (int j = 0; j < network.n(); j++) {
      all.add(j);
    }
    return all;
  }

  private List<Integer> otherShards(List<Integer> wanted) {
    List<Integer> others = new ArrayList<>();
    for (int j = 0; j < network.n(); j++) {
      if (!wanted.contains(j)) {
        others.add(j);
      }
    }
    return others;
  }
}
