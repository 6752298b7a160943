package io.cachet.storage.gateway;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.erasure.ReedSolomon;
import io.cachet.storage.http.Buffers;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.Confirmation;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upload of a blob's bytes, from any {@link ReadStream}, to the storage nodes, up to its
 * certificate: the publisher's pipeline, shared by {@code PUT /v1/blobs} (the request body) and
 * {@code PUT /v1/quilts} (the quilt's index, then its parts from their temporary files).
 *
 * <p>Design. The bytes are never held whole: they fill one stripe buffer; a full stripe is encoded
 * and hashed on a worker thread and its n shards are sent to the n nodes in parallel, with at most
 * {@code stripesInFlight} stripes under way (the stream is paused beyond that, so a fast source
 * cannot outrun the nodes). A node that fails any stripe drops out of this upload; once fewer than
 * 2f + 1 remain, the upload cannot be certified and fails with 504 INSUFFICIENT_CONFIRMATIONS.
 * At the end the metadata (all shard digests) fixes the blob id; each remaining node checks its
 * shards against it, persists, and signs. The outcome is ready once 2f + 1 valid signatures for
 * exactly (blob id, size, end epoch) are in and the certificate sink has taken the certificate;
 * late confirmations and the certificate then go to every node. Everything here runs on the
 * gateway's event loop except encoding and hashing.
 *
 * <p>Guarantees. {@link #run} completes exactly once: with an {@link Outcome}, or failed with an
 * {@link UploadFailure} carrying the answer. More than {@code maxBytes} fails it at once with 413
 * TOO_LARGE; {@link #abandon} fails it at once; any other failure waits until the stream has ended
 * and no stripe is in flight, so the caller's answer comes after the body was read. Every failure
 * tells the nodes to drop the upload and is counted in the metrics under its reason.
 */
final class StripeUpload {
  private static final Logger LOG = LoggerFactory.getLogger(StripeUpload.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a finished upload gives: a newly certified blob, or one certified for long enough already. */
  sealed interface Outcome permits Created, AlreadyCertified {}

  /** The blob was stored and its certificate recorded. */
  record Created(BlobMetadata metadata, AvailabilityCertificate certificate) implements Outcome {}

  /** Every confirming node kept the blob until {@code endEpoch} at least already: nothing was recorded. */
  record AlreadyCertified(BlobId blobId, long size, long endEpoch) implements Outcome {}

  private final Vertx vertx;
  private final GatewayConfig config;
  private final NodeClient nodes;
  private final CertificateSink sink;
  private final GatewayMetrics metrics;
  private final ReedSolomon codec;
  private final long endEpoch;
  private final boolean force;
  private final long maxBytes;
  private final NetworkConfig network;
  private final Encoding encoding;
  private final int n;
  private final int k;
  private final int shardSize;
  private final String uploadId = newUploadId();
  private final boolean[] alive;
  private final Map<String, String> dropped = new LinkedHashMap<>();
  private final Promise<Outcome> result = Promise.promise();
  private final long startNanos = System.nanoTime();
  private ReadStream<Buffer> source;
  private byte[] digests = new byte[0];
  private byte[][] filling;
  private int filled;
  private long nextStripe;
  private long length;
  private int inFlight;
  private boolean ended;
  private UploadFailure failure;
  /** Set once the outcome is decided (or the commit has begun): nothing after it may decide again. */
  private boolean finished;

  /**
   * @param endEpoch the epoch the blob is to be stored until
   * @param force whether to record a new certificate even when the nodes kept the blob long enough
   * @param maxBytes most bytes the stream may give
   */
  StripeUpload(Vertx vertx, GatewayConfig config, NodeClient nodes, CertificateSink sink, GatewayMetrics metrics,
      ReedSolomon codec, long endEpoch, boolean force, long maxBytes) {
    this.vertx = vertx;
    this.config = config;
    this.nodes = nodes;
    this.sink = sink;
    this.metrics = metrics;
    this.codec = codec;
    this.endEpoch = endEpoch;
    this.force = force;
    this.maxBytes = maxBytes;
    this.network = config.network();
    this.encoding = network.encoding();
    this.n = encoding.n();
    this.k = encoding.k();
    this.shardSize = encoding.shardSize();
    this.alive = new boolean[n];
    Arrays.fill(alive, true);
  }

  /** Reads {@code body} to its end (it should be paused: this resumes it) and stores what it gave. */
  Future<Outcome> run(ReadStream<Buffer> body) {
    source = body;
    body.handler(this::onData);
    body.exceptionHandler(e -> abandon("upload interrupted: " + e.getMessage()));
    body.endHandler(v -> {
      ended = true;
      if (failure == null && filled > 0) {
        dispatch(filling, filled);
        filling = null;
        filled = 0;
      }
      maybeFinish();
    });
    body.resume();
    return result.future();
  }

  /** Bytes read so far. */
  long length() {
    return length;
  }

  /**
   * Gives the upload up: nobody is left to answer (the connection broke, or the source failed), so
   * the nodes drop it and {@link #run}'s future fails now; stripes still in flight find it finished.
   */
  void abandon(String why) {
    if (finished) {
      return;
    }
    finished = true;
    if (failure == null) {
      failure = new UploadFailure(400, UploadFailure.ABANDONED, why);
    }
    LOG.info("upload {} abandoned: {}", uploadId, why);
    metrics.uploadFailed(UploadFailure.ABANDONED);
    abortNodes();
    result.tryFail(failure);
  }

  // ---------------------------------------------------------------- reading and stripes

  private void onData(Buffer chunk) {
    if (failure != null) {
      return;
    }
    length += chunk.length();
    if (length > maxBytes) {
      failure = new UploadFailure(413, "TOO_LARGE", "blob exceeds the publisher's limit of " + maxBytes + " bytes");
      abortNodes();
      conclude(failure);
      return;
    }
    int at = 0;
    int left = chunk.length();
    while (left > 0) {
      if (filling == null) {
        filling = new byte[k][shardSize];
        filled = 0;
      }
      int shard = filled / shardSize;
      int within = filled % shardSize;
      int take = Math.min(left, shardSize - within);
      chunk.getBytes(at, at + take, filling[shard], within);
      at += take;
      left -= take;
      filled += take;
      if (filled == k * shardSize) {
        dispatch(filling, filled);
        filling = null;
        filled = 0;
      }
    }
  }

  /** Encodes and sends one stripe; {@code dataLength} bytes of {@code data} are the stripe's. */
  private void dispatch(byte[][] data, int dataLength) {
    long stripe = nextStripe++;
    inFlight++;
    if (inFlight >= config.stripesInFlight()) {
      source.pause();
    }
    vertx.executeBlocking(() -> encode(data, dataLength), false)
        .compose(encoded -> send(stripe, encoded))
        .onComplete(ar -> {
          inFlight--;
          if (failure != null && inFlight == 0) {
            // A stripe still in flight when the upload failed reopens the upload on the node it
            // reaches after the first abort; abandon it again once the last stripe is back.
            abortNodes();
          }
          if (ar.failed()) {
            fail(ar.cause() instanceof UploadFailure u ? u
                : new UploadFailure(500, "INTERNAL", "encoding failed: " + ar.cause()));
          } else if (failure == null && liveNodes() < network.quorum()) {
            fail(insufficient());
          }
          if (failure == null && !ended && inFlight < config.stripesInFlight()) {
            source.resume();
          }
          maybeFinish();
        });
  }

  private Encoded encode(byte[][] data, int dataLength) {
    int shardLength = (dataLength + k - 1) / k;
    byte[][] shards = new byte[n][];
    if (dataLength == k * shardSize) {
      System.arraycopy(data, 0, shards, 0, k);
    } else {
      // The last stripe: lay its bytes out again in shards of ceil(dataLength / k).
      for (int j = 0; j < k; j++) {
        shards[j] = new byte[shardLength];
        int from = j * shardLength;
        int to = Math.min(dataLength, from + shardLength);
        for (int p = from; p < to; ) {
          int src = p / shardSize;
          int within = p % shardSize;
          int take = Math.min(to - p, shardSize - within);
          System.arraycopy(data[src], within, shards[j], p - from, take);
          p += take;
        }
      }
    }
    for (int j = k; j < n; j++) {
      shards[j] = new byte[shardLength];
    }
    codec.encode(shards, 0, shardLength);
    byte[] stripeDigests = new byte[n * Hashes.DIGEST_BYTES];
    for (int j = 0; j < n; j++) {
      System.arraycopy(Hashes.shardDigest(shards[j], 0, shardLength), 0, stripeDigests, j * Hashes.DIGEST_BYTES,
          Hashes.DIGEST_BYTES);
    }
    return new Encoded(shards, shardLength, stripeDigests);
  }

  private Future<Void> send(long stripe, Encoded encoded) {
    int at = (int) (stripe * n * Hashes.DIGEST_BYTES);
    if (digests.length < at + encoded.digests.length) {
      digests = Arrays.copyOf(digests, Math.max(at + encoded.digests.length, digests.length * 2));
    }
    System.arraycopy(encoded.digests, 0, digests, at, encoded.digests.length);
    if (failure != null) {
      return Future.succeededFuture();
    }
    List<Future<Void>> sends = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!alive[i]) {
        continue;
      }
      int node = i;
      Buffer shard = Buffers.wrap(encoded.shards[i], encoded.length);
      byte[] digest = Arrays.copyOfRange(encoded.digests, i * Hashes.DIGEST_BYTES, (i + 1) * Hashes.DIGEST_BYTES);
      sends.add(nodes.putStripe(node, uploadId, stripe, shard, digest)
          .recover(e -> {
            drop(node, e);
            return Future.succeededFuture();
          }));
    }
    metrics.shardBytesSent(encoded.length * (long) sends.size());
    return Future.join(sends).mapEmpty();
  }

  private void drop(int node, Throwable e) {
    if (alive[node]) {
      alive[node] = false;
      String id = network.nodes().get(node).id();
      dropped.put(id, e.getMessage());
      LOG.warn("upload {}: node {} dropped out: {}", uploadId, id, e.getMessage());
    }
  }

  private int liveNodes() {
    int c = 0;
    for (boolean a : alive) {
      c += a ? 1 : 0;
    }
    return c;
  }

  private UploadFailure insufficient() {
    // which node failed and how is for the operator (logged as each dropped out), not for anonymous clients
    LOG.warn("upload {}: {} of {} nodes left, {} needed; failed: {}", uploadId, liveNodes(), n, network.quorum(),
        dropped);
    return new UploadFailure(504, "INSUFFICIENT_CONFIRMATIONS", "only " + liveNodes() + " of " + n
        + " storage nodes took the blob (" + dropped.size() + " failed); " + network.quorum()
        + " are needed; retry shortly");
  }

  private void fail(UploadFailure f) {
    if (failure == null) {
      failure = f;
      abortNodes();
      if (!ended) {
        // Keep reading so the client gets the answer instead of a reset; the bytes are dropped.
        source.resume();
      }
    }
    maybeFinish();
  }

  /** Decides the outcome as a failure: once, counted, the nodes told. */
  private void conclude(UploadFailure f) {
    if (finished) {
      return;
    }
    finished = true;
    metrics.uploadFailed(f.reason);
    LOG.warn("upload {} failed: {} {}", uploadId, f.status, f.getMessage());
    result.tryFail(f);
  }

  // ---------------------------------------------------------------- commit and certificate

  private void maybeFinish() {
    if (finished || !ended || inFlight > 0) {
      return;
    }
    if (failure != null) {
      conclude(failure);
      return;
    }
    finished = true;
    byte[] all = Arrays.copyOf(digests, (int) (nextStripe * n * Hashes.DIGEST_BYTES));
    vertx.executeBlocking(() -> BlobMetadata.of(encoding, length, all), false)
        .compose(this::commit)
        .onComplete(ar -> {
          if (ar.succeeded()) {
            result.tryComplete(ar.result());
            return;
          }
          abortNodes();
          UploadFailure f = ar.cause() instanceof UploadFailure u ? u
              : new UploadFailure(500, "INTERNAL", "commit failed: " + ar.cause().getMessage());
          metrics.uploadFailed(f.reason);
          LOG.warn("upload {} failed: {} {}", uploadId, f.status, f.getMessage());
          result.tryFail(f);
        });
  }

  private Future<Outcome> commit(BlobMetadata metadata) {
    BlobId blobId = metadata.blobId();
    byte[] bytes = metadata.toBytes();
    Promise<List<NodeClient.Commit>> quorum = Promise.promise();
    List<NodeClient.Commit> good = new ArrayList<>();
    int[] pending = {liveNodes()};
    for (int i = 0; i < n; i++) {
      if (!alive[i]) {
        continue;
      }
      int node = i;
      nodes.commit(node, uploadId, bytes, endEpoch).onComplete(ar -> {
        pending[0]--;
        if (ar.succeeded() && valid(node, ar.result().confirmation(), blobId)) {
          good.add(ar.result());
        } else {
          drop(node, ar.failed() ? ar.cause() : new IllegalStateException("invalid confirmation"));
        }
        if (good.size() == network.quorum()) {
          quorum.tryComplete(List.copyOf(good));
        } else if (pending[0] == 0 && good.size() < network.quorum()) {
          quorum.tryFail(insufficient());
        }
        if (pending[0] == 0 && good.size() >= network.quorum()) {
          pushCertificate(blobId, good);
        }
      });
    }
    return quorum.future().compose(confirmed -> {
      boolean already = !force && confirmed.stream().allMatch(c -> c.alreadyStored() && c.previousEndEpoch() >= endEpoch);
      if (already) {
        long previous = confirmed.stream().mapToLong(NodeClient.Commit::previousEndEpoch).min().orElse(endEpoch);
        LOG.info("blob {} was already certified until epoch {}", blobId, previous);
        return Future.succeededFuture(new AlreadyCertified(blobId, length, previous));
      }
      AvailabilityCertificate certificate = new AvailabilityCertificate(blobId, length, endEpoch,
          confirmed.stream().map(NodeClient.Commit::confirmation).toList());
      return sink.record(certificate)
          .recover(e -> Future.failedFuture(new UploadFailure(503, "UNAVAILABLE",
              "the blob is stored but its certificate could not be recorded: " + e.getMessage())))
          .map(v -> {
            metrics.stored(length, System.nanoTime() - startNanos);
            LOG.info("stored blob {} ({} bytes, {} stripes, end epoch {}, {} confirmations)", blobId, length,
                metadata.stripes(), endEpoch, certificate.confirmations().size());
            return new Created(metadata, certificate);
          });
    });
  }

  private boolean valid(int node, Confirmation c, BlobId blobId) {
    NodeInfo info = network.nodes().get(node);
    return c.nodeId().equals(info.id()) && info.hasKey(c.publicKey()) && c.blobId().equals(blobId)
        && c.size() == length && c.endEpoch() == endEpoch && c.verifies();
  }

  /**
   * After every node answered: the full certificate goes to every node, best effort. When some
   * node already kept the blob for longer than this upload asks, a certificate for that longer
   * lifetime exists; it goes to every node too, so a node that had lost the blob and just took
   * it again for the shorter time keeps it as long as the network certified (the node raises its
   * end epoch to a verified certificate's).
   */
  private void pushCertificate(BlobId blobId, List<NodeClient.Commit> all) {
    AvailabilityCertificate certificate = new AvailabilityCertificate(blobId, length, endEpoch,
        all.stream().map(NodeClient.Commit::confirmation).toList());
    pushToAll(certificate);
    List<Integer> longer = new ArrayList<>();
    for (NodeClient.Commit c : all) {
      if (c.alreadyStored() && c.previousEndEpoch() > endEpoch) {
        longer.add(indexOf(c.confirmation().nodeId()));
      }
    }
    if (!longer.isEmpty()) {
      longerCertificate(blobId, longer, 0).onSuccess(this::pushToAll).onFailure(e ->
          LOG.warn("upload {}: nodes kept {} longer than epoch {}, but no longer certificate was found: {}",
              uploadId, blobId, endEpoch, e.getMessage()));
    }
  }

  private void pushToAll(AvailabilityCertificate certificate) {
    for (int i = 0; i < n; i++) {
      int node = i;
      nodes.putCertificate(node, certificate).onFailure(e -> LOG.debug("certificate for {} not stored on {}: {}",
          certificate.blobId(), network.nodes().get(node).id(), e.getMessage()));
    }
  }

  /** A verified certificate of this blob and size ending later than this upload, from one of {@code from}. */
  private Future<AvailabilityCertificate> longerCertificate(BlobId blobId, List<Integer> from, int at) {
    if (at == from.size()) {
      return Future.failedFuture(new IllegalStateException(
          "none of the nodes that kept it longer has a certificate"));
    }
    return nodes.certificate(from.get(at), blobId).compose(cert -> {
      cert.verify(network);
      if (!cert.blobId().equals(blobId) || cert.size() != length || cert.endEpoch() <= endEpoch) {
        return Future.<AvailabilityCertificate>failedFuture(new IllegalStateException("not a longer certificate"));
      }
      return Future.succeededFuture(cert);
    }).recover(e -> longerCertificate(blobId, from, at + 1));
  }

  private int indexOf(String nodeId) {
    for (int i = 0; i < n; i++) {
      if (network.nodes().get(i).id().equals(nodeId)) {
        return i;
      }
    }
    throw new IllegalStateException("no node " + nodeId);
  }

  private void abortNodes() {
    for (int i = 0; i < n; i++) {
      nodes.abort(i, uploadId).onFailure(e -> { });
    }
  }

  private record Encoded(byte[][] shards, int length, byte[] digests) {}

  private static String newUploadId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
