package io.cachet.storage.gateway;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.erasure.ReedSolomon;
import io.cachet.storage.http.Buffers;
import io.cachet.common.http.ApiError;
import io.cachet.common.http.ApiErrors;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.Confirmation;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PUT /v1/blobs?epochs=N}: the Walrus publisher over the local nodes.
 *
 * <p>Design. The body is never held whole: bytes fill one stripe buffer; a full stripe is encoded
 * and hashed on a worker thread and its n shards are sent to the n nodes in parallel, with at most
 * {@code stripesInFlight} stripes under way (the request is paused beyond that, so a fast client
 * cannot outrun the nodes). A node that fails any stripe drops out of this upload; once fewer than
 * 2f + 1 remain, the upload cannot be certified and fails with 504 INSUFFICIENT_CONFIRMATIONS.
 * At the end the metadata (all shard digests) fixes the blob id; each remaining node checks its
 * shards against it, persists, and signs. The answer goes out once 2f + 1 valid signatures for
 * exactly (blob id, size, end epoch) are in and the certificate sink has taken the certificate;
 * late confirmations and the certificate then go to every node. Everything here runs on the
 * gateway's event loop except encoding and hashing.
 */
final class Publisher {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** How long, and how many more body bytes, a refused upload is drained before its connection closes. */
  static final long LINGER_MILLIS = 2_000;
  static final long LINGER_BYTES = 16L << 20;

  private final Vertx vertx;
  private final GatewayConfig config;
  private final NodeClient nodes;
  private final CertificateSink sink;
  private final GatewayMetrics metrics;
  private final ReedSolomon codec;
  private int activeUploads;

  Publisher(Vertx vertx, GatewayConfig config, NodeClient nodes, CertificateSink sink, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.nodes = nodes;
    this.sink = sink;
    this.metrics = metrics;
    Encoding e = config.network().encoding();
    this.codec = ReedSolomon.of(e.n(), e.k());
  }

  void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    req.pause();
    int epochs;
    boolean permanent;
    boolean force;
    try {
      epochs = intParam(req, "epochs", 1);
      permanent = boolParam(req, "permanent");
      boolean deletable = boolParam(req, "deletable");
      force = boolParam(req, "force");
      if (permanent && deletable) {
        throw new IllegalArgumentException("permanent and deletable cannot both be set");
      }
      if (req.getParam("send_object_to") != null && boolParam(req, "share")) {
        throw new IllegalArgumentException("send_object_to and share cannot both be set");
      }
      int max = config.network().epochs().maxEpochsAhead();
      if (epochs < 1 || epochs > max) {
        throw new IllegalArgumentException("epochs must be 1.." + max + ", got " + epochs);
      }
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", e.getMessage());
      return;
    }
    String declared = req.getHeader("content-length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared) > config.maxBlobSize()) {
          tooLarge(ctx);
          return;
        }
      } catch (NumberFormatException e) {
        ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "bad Content-Length");
        return;
      }
    }
    if (activeUploads >= config.maxConcurrentUploads()) {
      ctx.response().putHeader("Retry-After", "1");
      ApiErrors.send(ctx, 429, "RESOURCE_EXHAUSTED",
          "the publisher is busy with " + activeUploads + " uploads; retry shortly");
      return;
    }
    activeUploads++;
    long currentEpoch = config.currentEpoch();
    new Upload(ctx, currentEpoch, currentEpoch + epochs, epochs, permanent, force).start();
  }

  /**
   * 413, then a lingering close ({@link ApiErrors#refuseAndLinger}): closing at once lost the
   * answer to a reset ("no bytes received"). Uploads linger longer than other refusals, since a
   * client streaming a large blob has more in flight.
   */
  private void tooLarge(RoutingContext ctx) {
    ApiErrors.refuseAndLinger(ctx, ApiError.of(413, "TOO_LARGE", "blob exceeds the publisher's limit of "
        + config.maxBlobSize() + " bytes"), LINGER_MILLIS, LINGER_BYTES);
  }

  /** A failure that ends an upload, with the HTTP answer it gets. */
  private static final class UploadFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String reason;

    UploadFailure(int status, String reason, String message) {
      super(message, null, false, false);
      this.status = status;
      this.reason = reason;
    }
  }

  /** One upload: all fields are touched only on the event loop. */
  private final class Upload {
    private final RoutingContext ctx;
    private final HttpServerRequest req;
    private final long currentEpoch;
    private final long endEpoch;
    private final int epochs;
    private final boolean permanent;
    private final boolean force;
    private final NetworkConfig network = config.network();
    private final Encoding encoding = network.encoding();
    private final int n = encoding.n();
    private final int k = encoding.k();
    private final int shardSize = encoding.shardSize();
    private final String uploadId = newUploadId();
    private final boolean[] alive;
    private final Map<String, String> dropped = new LinkedHashMap<>();
    private byte[] digests = new byte[0];
    private byte[][] filling;
    private int filled;
    private long nextStripe;
    private long length;
    private int inFlight;
    private boolean ended;
    private UploadFailure failure;
    private boolean finished;
    private final long startNanos = System.nanoTime();

    Upload(RoutingContext ctx, long currentEpoch, long endEpoch, int epochs, boolean permanent, boolean force) {
      this.ctx = ctx;
      this.req = ctx.request();
      this.currentEpoch = currentEpoch;
      this.endEpoch = endEpoch;
      this.epochs = epochs;
      this.permanent = permanent;
      this.force = force;
      this.alive = new boolean[n];
      Arrays.fill(alive, true);
    }

    void start() {
      req.handler(this::onData);
      req.exceptionHandler(e -> abandon("upload interrupted: " + e.getMessage()));
      req.endHandler(v -> {
        ended = true;
        if (failure == null && filled > 0) {
          dispatch(filling, filled);
          filling = null;
          filled = 0;
        }
        maybeFinish();
      });
      ctx.response().closeHandler(v -> abandon("the client went away"));
      req.resume();
    }

    private void onData(Buffer chunk) {
      if (failure != null) {
        return;
      }
      length += chunk.length();
      if (length > config.maxBlobSize()) {
        failure = new UploadFailure(413, "TOO_LARGE", "blob exceeds the publisher's limit of "
            + config.maxBlobSize() + " bytes");
        abortNodes();
        tooLarge(ctx);
        release();
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
        req.pause();
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
            } else if (liveNodes() < network.quorum()) {
              fail(insufficient());
            }
            if (failure == null && !ended && inFlight < config.stripesInFlight()) {
              req.resume();
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
      return new UploadFailure(504, "INSUFFICIENT_CONFIRMATIONS", "only " + liveNodes() + " of " + n
          + " storage nodes took the blob; " + network.quorum() + " are needed. Failed: " + dropped);
    }

    /**
     * The connection broke before the upload ended: nobody is left to answer, so the nodes drop
     * the upload and the slot is freed now (stripes still in flight find the upload finished).
     */
    private void abandon(String why) {
      if (finished) {
        return;
      }
      finished = true;
      if (failure == null) {
        failure = new UploadFailure(400, "INVALID_ARGUMENT", why);
      }
      LOG.info("upload {} abandoned: {}", uploadId, why);
      metrics.uploadFailed("ABANDONED");
      abortNodes();
      release();
    }

    private void fail(UploadFailure f) {
      if (failure == null) {
        failure = f;
        abortNodes();
        if (!ended) {
          // Keep reading so the client gets the answer instead of a reset; the bytes are dropped.
          req.resume();
        }
      }
      maybeFinish();
    }

    private void maybeFinish() {
      if (finished || !ended || inFlight > 0) {
        return;
      }
      finished = true;
      if (failure != null) {
        answerFailure(failure);
        return;
      }
      byte[] all = Arrays.copyOf(digests, (int) (nextStripe * n * Hashes.DIGEST_BYTES));
      vertx.executeBlocking(() -> BlobMetadata.of(encoding, length, all), false)
          .compose(this::commit)
          .onComplete(ar -> {
            if (ar.failed()) {
              abortNodes();
              answerFailure(ar.cause() instanceof UploadFailure u ? u
                  : new UploadFailure(500, "INTERNAL", "commit failed: " + ar.cause().getMessage()));
            }
          });
    }

    private Future<Void> commit(BlobMetadata metadata) {
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
          } else if (pending[0] == 0) {
            quorum.tryFail(insufficient());
          }
          if (pending[0] == 0 && good.size() >= network.quorum()) {
            pushCertificate(blobId, good);
          }
        });
      }
      return quorum.future().compose(confirmed -> {
        boolean already = !force && confirmed.stream().allMatch(c -> c.alreadyStored() && c.previousEndEpoch() >= endEpoch);
        AvailabilityCertificate certificate = new AvailabilityCertificate(blobId, length, endEpoch,
            confirmed.stream().map(NodeClient.Commit::confirmation).toList());
        if (already) {
          long previous = confirmed.stream().mapToLong(NodeClient.Commit::previousEndEpoch).min().orElse(endEpoch);
          answerAlreadyCertified(blobId, previous, certificate);
          return Future.succeededFuture();
        }
        return sink.record(certificate)
            .recover(e -> Future.failedFuture(new UploadFailure(503, "UNAVAILABLE",
                "the blob is stored but its certificate could not be recorded: " + e.getMessage())))
            .map(v -> {
              answerCreated(metadata, certificate);
              return null;
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

    private void answerCreated(BlobMetadata metadata, AvailabilityCertificate certificate) {
      long encodedLength = encoding.encodedLength(length);
      JsonObject storage = new JsonObject()
          .put("id", objectId())
          .put("startEpoch", currentEpoch)
          .put("endEpoch", endEpoch)
          .put("storageSize", encodedLength + (long) n * metadata.toBytes().length);
      JsonObject blobObject = new JsonObject()
          .put("id", objectId())
          .put("registeredEpoch", currentEpoch)
          .put("blobId", metadata.blobId().toString())
          .put("size", length)
          .put("encodingType", encoding.typeName())
          .put("certifiedEpoch", currentEpoch)
          .put("storage", storage)
          .put("deletable", !permanent);
      JsonObject created = new JsonObject()
          .put("blobObject", blobObject)
          .put("resourceOperation", new JsonObject().put("registerFromScratch",
              new JsonObject().put("encodedLength", encodedLength).put("epochsAhead", epochs)))
          .put("cost", 0)
          .put("certificate", certificate.toJson());
      metrics.stored(length, System.nanoTime() - startNanos);
      LOG.info("stored blob {} ({} bytes, {} stripes, end epoch {}, {} confirmations)", metadata.blobId(), length,
          metadata.stripes(), endEpoch, certificate.confirmations().size());
      answer(200, new JsonObject().put("newlyCreated", created));
    }

    private void answerAlreadyCertified(BlobId blobId, long previousEnd, AvailabilityCertificate certificate) {
      JsonObject event = new JsonObject()
          .put("txDigest", HexFormat.of().formatHex(Hashes.blake2b(certificate.toJson().toBuffer().getBytes())))
          .put("eventSeq", "0");
      LOG.info("blob {} was already certified until epoch {}", blobId, previousEnd);
      answer(200, new JsonObject().put("alreadyCertified", new JsonObject()
          .put("blobId", blobId.toString()).put("event", event).put("endEpoch", previousEnd)));
    }

    private void answerFailure(UploadFailure f) {
      metrics.uploadFailed(f.reason);
      LOG.warn("upload {} failed: {} {}", uploadId, f.status, f.getMessage());
      if (f.status == 504 || f.status == 503) {
        ctx.response().putHeader("Retry-After", "1");
      }
      release();
      ApiErrors.send(ctx, f.status, f.reason, f.getMessage());
    }

    private void answer(int status, JsonObject body) {
      release();
      if (!ctx.response().ended()) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
      }
    }

    private boolean released;

    private void release() {
      if (!released) {
        released = true;
        activeUploads--;
      }
    }

    private void abortNodes() {
      for (int i = 0; i < n; i++) {
        nodes.abort(i, uploadId).onFailure(e -> { });
      }
    }
  }

  private record Encoded(byte[][] shards, int length, byte[] digests) {}

  private static String newUploadId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String objectId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return "0x" + HexFormat.of().formatHex(b);
  }

  private static int intParam(HttpServerRequest req, String name, int dflt) {
    String v = req.getParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      long parsed = Long.parseLong(v);
      if (parsed < 0 || parsed > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException(name + " must be a u32, got " + v);
      }
      return (int) Math.min(parsed, Integer.MAX_VALUE);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a u32, got " + v);
    }
  }

  private static boolean boolParam(HttpServerRequest req, String name) {
    String v = req.getParam(name);
    if (v == null) {
      return false;
    }
    if (v.isEmpty() || v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException(name + " must be true or false, got " + v);
  }
}
