package io.cachet.storage.node;

import io.cachet.common.http.ApiErrors;
import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.ServerLimitsGuard;
import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.http.Buffers;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.NodeException.Reason;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A storage node's HTTP API (the table in {@code docs/STORAGE.md}) over a {@link NodeStore}.
 * Handlers never block: every disk access, every write-signature check, and every parse or encode
 * whose size depends on a blob runs through {@code executeBlocking(..., false)}, so stripe
 * requests of one or many uploads use the worker pool in parallel. Stripe bodies are gathered
 * straight into one array of their declared length (at most the shard size: else 413); metadata
 * bodies (commit, install) are streamed to a temporary file ({@link MetadataBodies}), so no
 * request holds more than a shard or a small constant of memory; JSON bodies are bounded by
 * {@link #MAX_JSON_BODY_BYTES}. The node refuses to start unless its {@code node.key} is the key
 * the network lists for its index.
 */
public final class StorageNode extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(StorageNode.class);

  /** Largest JSON body: a certificate. */
  public static final long MAX_JSON_BODY_BYTES = RequestBodies.MAX_CERTIFICATE_BYTES;
  public static final int DEFAULT_LIST_LIMIT = 100;
  public static final int MAX_LIST_LIMIT = 1000;
  /** Where {@link #authorize} leaves the checked signature for the handler. */
  private static final String VERIFIED = "cachet.verified";
  private static final String OCTETS = "application/octet-stream";
  private static final String JSON = "application/json";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  /**
   * How long a stop lets requests under way finish before their connections are cut: a stripe is at
   * most one shard, well within this on any link a node should serve.
   */
  public static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final NodeConfig config;
  private final ServerLimits limits;
  private final NodeInfo self;
  private final NodeMetrics metrics = new NodeMetrics();
  private final AtomicBoolean collecting = new AtomicBoolean();
  private final ShardBodies shardBodies;
  private final NodeHealth health;
  private volatile PublisherTrust trust;
  private volatile CollectionClock collectionClock;
  private volatile NodeStore store;
  private volatile MetadataBodies metadataBodies;
  private volatile NodeKey key;
  private volatile HttpServer server;
  private long gcTimer = -1;
  private volatile boolean stopping;

  public StorageNode(NodeConfig config) {
    this(config, ServerLimits.defaults());
  }

  /** A node whose connections and requests are held to {@code limits}. */
  public StorageNode(NodeConfig config, ServerLimits limits) {
    this.config = Objects.requireNonNull(config, "config");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.self = config.node();
    this.shardBodies = new ShardBodies(config.network().shardSize());
    this.health = new NodeHealth(self.id(), config.dataDir(), config.network().shardSize(), config.nowMillis());
    metrics.gauge("cachet_node_blobs", this, n -> n.store == null ? 0 : n.store.blobCount());
    metrics.gauge("cachet_node_uploads", this, n -> n.store == null ? 0 : n.store.uploadCount());
    metrics.gauge("cachet_node_body_bytes_buffered", shardBodies, ShardBodies::bufferedBytes);
    metrics.gauge("cachet_node_body_bytes_buffered_max", shardBodies, ShardBodies::highWaterBytes);
    metrics.gauge("cachet_node_metadata_body_bytes_max", this, StorageNode::metadataBodyBytesHighWater);
  }

  /** The port the server bound (useful with port 0); only after a successful start. */
  public int actualPort() {
    HttpServer s = server;
    if (s == null) {
      throw new IllegalStateException("the node is not listening");
    }
    return s.actualPort();
  }

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(() -> {
      Path keyFile = config.keyFile().toAbsolutePath();
      NodeKey k = NodeKeys.load(keyFile.getParent(), keyFile.getFileName().toString());
      if (!self.hasKey(k.publicKey())) {
        k.destroy();
        throw new IllegalStateException("the key in " + keyFile + " is "
            + B64.encodeToString(k.publicKey()) + ", but the network lists "
            + B64.encodeToString(self.publicKey()) + " for node " + self.id() + " (index " + config.index() + ")");
      }
      store = NodeStore.open(config);
      metadataBodies = new MetadataBodies(vertx, store.incomingDir());
      key = k;
      trust = new PublisherTrust(config.trustedPublishers(), config.nowMillis(), config.dataDir());
      collectionClock = new CollectionClock(config.nowMillis(), config.gcIntervalMillis());
      return null;
    }, false).compose(v -> {
      ServerLimitsGuard guard = new ServerLimitsGuard(vertx, limits, "node " + self.id());
      return guard.createServer(new HttpServerOptions().setMaxChunkSize(ShardBodies.MAX_CHUNK_BYTES))
          .requestHandler(router(guard))
          .listen(config.port(), config.host());
    })
        .onSuccess(s -> {
          server = s;
          gcTimer = vertx.setPeriodic(config.gcIntervalMillis(), t -> periodicCollection());
          LOG.info("event=node_listening node={} index={} host={} port={} dir={} blobs={} trustedPublishers={}",
              self.id(), config.index(), config.host(), s.actualPort(), config.dataDir(), store.blobCount(),
              trust.trustedKeys());
        })
        .onFailure(e -> {
          LOG.error("event=node_start_failed node={} error={}", self.id(), e.getMessage());
          if (store != null) {
            store.close();
          }
        });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (gcTimer >= 0) {
      vertx.cancelTimer(gcTimer);
    }
    // shutdown, not close: no new connection is taken, and a request under way ends before its connection does
    Future<Void> closed = server == null ? Future.succeededFuture() : server.shutdown(STOP_GRACE);
    return closed.eventually(() -> vertx.executeBlocking(() -> {
      if (store != null) {
        store.close();
      }
      if (key != null) {
        key.destroy();
      }
      return null;
    }, false)).onComplete(r -> LOG.info("event=node_stopped node={}", self.id()));
  }

  /**
   * Runs one garbage collection now (the node also runs one every {@code gcIntervalMillis}), at the
   * collection time of {@link CollectionClock}: a run that sees the clock jump deletes nothing.
   */
  public Future<NodeStore.Collected> collectGarbage() {
    return vertx.executeBlocking(() -> {
      synchronized (collectionClock) {
        CollectionClock.Reading at = collectionClock.read(self.id());
        if (at.jumpMillis() > 0) {
          return new NodeStore.Collected(0, 0, true);
        }
        return store.collectGarbage(at.creditedMillis());
      }
    }, false);
  }

  /** The most bytes of shard bodies this node held at once since it started. */
  public long bufferedBodyBytesHighWater() {
    return shardBodies.highWaterBytes();
  }

  private void periodicCollection() {
    if (!collecting.compareAndSet(false, true)) {
      return;
    }
    collectGarbage().onComplete(r -> {
      collecting.set(false);
      if (r.failed()) {
        LOG.error("event=gc_failed node={} error={}", self.id(), r.cause().toString());
      }
    });
  }

  // ---------------------------------------------------------------- route table

  private Router router(ServerLimitsGuard guard) {
    Router router = Router.router(vertx);
    ApiErrors.install(router);
    guard.install(router);
    router.route().handler(metrics::instrument);
    BodyHandler json = BodyHandler.create(false).setBodyLimit(MAX_JSON_BODY_BYTES);
    // a security-policy handler runs before the body handler: an unsigned body is never read into memory
    SecurityPolicyHandler signed = this::authorize;
    route(router, HttpMethod.GET, "/v1/node", "node").handler(this::node);
    route(router, HttpMethod.PUT, "/v1/uploads/:uploadId/stripes/:s", "upload_stripe").handler(signed)
        .handler(this::uploadStripe);
    route(router, HttpMethod.POST, "/v1/uploads/:uploadId/commit", "commit").handler(signed).handler(this::commit);
    route(router, HttpMethod.DELETE, "/v1/uploads/:uploadId", "abort").handler(signed).handler(this::abort);
    route(router, HttpMethod.GET, "/v1/blobs", "list").handler(this::list);
    route(router, HttpMethod.GET, "/v1/blobs/:blobId/metadata", "metadata").handler(this::metadata);
    route(router, HttpMethod.GET, "/v1/blobs/:blobId/stripes/:s", "read_stripe").handler(this::readStripe);
    route(router, HttpMethod.PUT, "/v1/blobs/:blobId", "install").handler(signed).handler(this::install);
    route(router, HttpMethod.PUT, "/v1/blobs/:blobId/stripes/:s", "repair_stripe").handler(signed)
        .handler(this::repairStripe);
    route(router, HttpMethod.PUT, "/v1/blobs/:blobId/certificate", "put_certificate").handler(signed)
        .handler(json).handler(this::putCertificate);
    route(router, HttpMethod.GET, "/v1/blobs/:blobId/certificate", "certificate").handler(this::certificate);
    route(router, HttpMethod.GET, "/v1/blobs/:blobId/health", "scrub").handler(this::scrub);
    route(router, HttpMethod.GET, "/v1/challenges/:blobId/:s", "challenge").handler(this::challenge);
    route(router, HttpMethod.GET, "/health", "health").handler(this::health);
    route(router, HttpMethod.GET, "/metrics", "metrics").handler(metrics::scrape);
    return router;
  }

  private Route route(Router router, HttpMethod method, String path, String name) {
    metrics.routeNamed(name);
    return router.route(method, path).setName(name);
  }

  // ---------------------------------------------------------------- handlers

  /**
   * Every write passes here first: it must be signed by a trusted publisher ({@link PublisherTrust})
   * before a byte of its body is kept. The check (an Ed25519 verification, now and then an fsync of
   * the restart floor) runs on a worker; the request is paused meanwhile, so no body byte arrives
   * before the next handler has set its reader, and every handler after this one resumes it. A
   * refused body is read and dropped, so the connection stays usable for the answer.
   */
  private void authorize(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    req.pause();
    String method = req.method().name();
    String uri = req.uri();
    MultiMap headers = req.headers();
    vertx.executeBlocking(() -> trust.verify(method, uri, headers::get), false).onComplete(r -> {
      if (r.succeeded()) {
        ctx.put(VERIFIED, r.result());
        ctx.next();
        return;
      }
      if (r.cause() instanceof NodeException e) {
        LOG.warn("event=write_refused node={} method={} path={} reason={} remote={}", self.id(), req.method(),
            req.path(), e.reason().code(), req.remoteAddress());
      }
      RequestBodies.discard(req);
      fail(ctx, r.cause());
    });
  }

  private static PublisherTrust.Verified verified(RoutingContext ctx) {
    return ctx.get(VERIFIED);
  }

  /** The request's JSON body, once checked against the signed digest. */
  private static Buffer signedBody(RoutingContext ctx) throws NodeException {
    Buffer body = ctx.body().buffer();
    byte[] bytes = body == null ? new byte[0] : body.getBytes();
    verified(ctx).checkBody(bytes, bytes.length);
    return body;
  }

  /**
   * Reads a shard body within the node's body budget, checks it against the signed digest, then
   * hands it to {@code write} on a worker thread.
   */
  private void shardWrite(RoutingContext ctx, ShardWrite write) {
    PublisherTrust.Verified signed = verified(ctx);
    ShardBodies.Slot slot;
    try {
      slot = shardBodies.reserve(signed.publisher(), ctx.request());
    } catch (NodeException e) {
      if (e.reason() == Reason.TOO_MANY_UPLOADS) {
        ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
      }
      RequestBodies.discard(ctx.request());
      fail(ctx, e);
      return;
    }
    ctx.addEndHandler(v -> slot.release());
    shardBodies.read(ctx.request(), slot).onSuccess(body -> blocking(ctx, () -> {
      signed.checkBody(body.bytes, body.length);
      write.write(body.bytes, body.length);
      return body.length;
    }, (c, n) -> {
      slot.release();
      metrics.bytesWritten.increment(n);
      c.response().setStatusCode(204).end();
    })).onFailure(e -> {
      slot.release();
      RequestBodies.discard(ctx.request());
      fail(ctx, e);
    });
  }

  /** A shard write to the store. */
  @FunctionalInterface
  private interface ShardWrite {
    void write(byte[] shard, int length) throws NodeException, java.io.IOException;
  }

  private void node(RoutingContext ctx) {
    json(ctx, 200, new JsonObject().put("nodeId", self.id()).put("index", config.index())
        .put("publicKey", B64.encodeToString(self.publicKey())).put("epoch", config.currentEpoch()).toBuffer());
  }

  private void uploadStripe(RoutingContext ctx) {
    String uploadId;
    long stripe;
    try {
      uploadId = Params.uploadId(ctx.pathParam("uploadId"));
      stripe = Params.stripe(ctx.pathParam("s"));
    } catch (NodeException e) {
      RequestBodies.discard(ctx.request());
      fail(ctx, e);
      return;
    }
    shardWrite(ctx, (shard, length) -> store.writeStripe(uploadId, stripe, shard, length));
  }

  /** Body: the metadata bytes (octet-stream); the end epoch is the {@code endEpoch} query parameter. */
  private void commit(RoutingContext ctx) {
    String uploadId;
    long endEpoch;
    try {
      uploadId = Params.uploadId(ctx.pathParam("uploadId"));
      endEpoch = Params.endEpoch(ctx.request().getParam("endEpoch"));
      Params.binaryBody(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE), "a commit");
    } catch (NodeException e) {
      RequestBodies.discard(ctx.request());
      fail(ctx, e);
      return;
    }
    streamed(ctx, BlobMetadata.MAX_BYTES, file -> {
      NodeStore.Committed c = store.commit(uploadId, MetadataFile.verify(file, 0), endEpoch);
      Confirmation confirmation = Confirmation.sign(self.id(), key, c.blobId(), c.size(), c.endEpoch());
      JsonObject out = new JsonObject().put("confirmation", confirmation.toJson()).put("alreadyStored", c.alreadyStored());
      if (c.alreadyStored()) {
        out.put("previousEndEpoch", c.previousEndEpoch());
      }
      return out.toBuffer();
    }, (c, out) -> {
      metrics.confirmationsSigned.increment();
      json(c, 200, out);
    });
  }

  /** A metadata body ({@link MetadataBodies#process}): streamed, checked, worked on, deleted. */
  private <T> void streamed(RoutingContext ctx, long maxBytes, MetadataBodies.Work<T> work,
      BiConsumer<RoutingContext, T> reply) {
    metadataBodies.process(ctx.request(), maxBytes, verified(ctx), work).onComplete(r -> {
      if (r.succeeded()) {
        reply.accept(ctx, r.result());
      } else {
        fail(ctx, r.cause());
      }
    });
  }

  /** The most bytes of metadata bodies this node held in memory at once since it started. */
  public long metadataBodyBytesHighWater() {
    MetadataBodies bodies = metadataBodies;
    return bodies == null ? 0 : bodies.highWaterBytes();
  }

  private void abort(RoutingContext ctx) {
    String uploadId;
    try {
      uploadId = Params.uploadId(ctx.pathParam("uploadId"));
    } catch (NodeException e) {
      RequestBodies.discard(ctx.request());
      fail(ctx, e);
      return;
    }
    ctx.request().resume();
    blocking(ctx, () -> {
      verified(ctx).checkBody(new byte[0], 0);
      store.abort(uploadId);
      return null;
    }, (c, v) -> c.response().setStatusCode(204).end());
  }

  private void list(RoutingContext ctx) {
    BlobId after;
    int limit;
    try {
      String a = ctx.request().getParam("after");
      after = a == null || a.isEmpty() ? null : Params.blobId(a);
      limit = Params.limit(ctx.request().getParam("limit"), DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    blocking(ctx, () -> {
      NodeStore.Page page = store.list(after, limit);
      JsonArray blobs = new JsonArray();
      for (NodeStore.Listed l : page.blobs()) {
        blobs.add(new JsonObject().put("blobId", l.blobId().toString()).put("size", l.size())
            .put("endEpoch", l.endEpoch()));
      }
      return new JsonObject().put("blobs", blobs).put("next", page.next() == null ? null : page.next().toString())
          .toBuffer();
    }, (c, out) -> json(c, 200, out));
  }

  private void metadata(RoutingContext ctx) {
    BlobId id;
    try {
      id = Params.blobId(ctx.pathParam("blobId"));
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    blocking(ctx, () -> store.stored(id), (c, stored) -> c.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, OCTETS)
        .putHeader("X-Cachet-End-Epoch", Long.toString(stored.endEpoch()))
        .sendFile(stored.metadata().file().toString(), stored.metadata().offset(), stored.metadata().size())
        .onFailure(e -> LOG.warn("event=metadata_send_failed node={} blob={} error={}", self.id(), id, e.toString())));
  }

  private void readStripe(RoutingContext ctx) {
    BlobId id;
    long stripe;
    try {
      id = Params.blobId(ctx.pathParam("blobId"));
      stripe = Params.stripe(ctx.pathParam("s"));
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    blocking(ctx, () -> Buffers.wrap(store.readShard(id, stripe)), (c, shard) -> {
      metrics.bytesRead.increment(shard.length());
      c.response().putHeader(HttpHeaders.CONTENT_TYPE, OCTETS).end(shard);
    });
  }

  /** Body: the repair install frame of {@link RequestBodies#install}. */
  private void install(RoutingContext ctx) {
    BlobId id;
    try {
      id = Params.blobId(ctx.pathParam("blobId"));
      Params.binaryBody(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE), "a repair install");
    } catch (NodeException e) {
      RequestBodies.discard(ctx.request());
      fail(ctx, e);
      return;
    }
    streamed(ctx, RequestBodies.MAX_INSTALL_BYTES, file -> {
      RequestBodies.Install install = RequestBodies.install(file);
      return store.install(id, install.metadata(), install.certificate());
    }, (c, created) -> c.response().setStatusCode(204).end());
  }

  private void putCertificate(RoutingContext ctx) {
    BlobId id;
    try {
      id = Params.blobId(ctx.pathParam("blobId"));
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    blocking(ctx, () -> {
      Buffer body = signedBody(ctx);
      AvailabilityCertificate parsed;
      try {
        parsed = AvailabilityCertificate.fromJson(RequestBodies.object(body));
      } catch (RuntimeException e) {
        throw new NodeException(Reason.BAD_CERTIFICATE, "malformed certificate: " + e.getMessage());
      }
      store.storeCertificate(id, parsed);
      return true;
    }, (c, done) -> c.response().setStatusCode(204).end());
  }

  private void certificate(RoutingContext ctx) {
    BlobId id;
    try {
      id = Params.blobId(ctx.pathParam("blobId"));
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    blocking(ctx, () -> store.certificate(id).toJson().toBuffer(), (c, body) -> json(c, 200, body));
  }

  private void repairStripe(RoutingContext ctx) {
    BlobId id;
    long stripe;
    try {
      id = Params.blobId(ctx.pathParam("blobId"));
      stripe = Params.stripe(ctx.pathParam("s"));
    } catch (NodeException e) {
      RequestBodies.discard(ctx.request());
      fail(ctx, e);
      return;
    }
    shardWrite(ctx, (shard, length) -> store.repairShard(id, stripe, shard, length));
  }

  private void scrub(RoutingContext ctx) {
    BlobId id;
    try {
      id = Params.blobId(ctx.pathParam("blobId"));
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    blocking(ctx, () -> store.scrub(id), (c, h) -> {
      metrics.corruptShards.increment(h.corrupt().size());
      json(c, 200, new JsonObject().put("blobId", h.blobId().toString()).put("endEpoch", h.endEpoch())
          .put("stripes", h.stripes()).put("bad", new JsonArray(h.bad()))
          .put("missing", new JsonArray(h.missing())).put("corrupt", new JsonArray(h.corrupt())).toBuffer());
    });
  }

  private void challenge(RoutingContext ctx) {
    BlobId id;
    long stripe;
    try {
      id = Params.blobId(ctx.pathParam("blobId"));
      stripe = Params.stripe(ctx.pathParam("s"));
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    blocking(ctx, () -> {
      NodeStore.ChallengeAnswer a = store.challenge(id, stripe);
      JsonArray proof = new JsonArray();
      a.proof().forEach(p -> proof.add(B64.encodeToString(p)));
      return new JsonObject().put("blobId", id.toString()).put("stripe", a.stripe()).put("shardIndex", a.shardIndex())
          .put("encoding", B64.encodeToString(a.encoding().descriptor()))
          .put("length", a.length()).put("shard", B64.encodeToString(a.shard())).put("proof", proof)
          .toBuffer();
    }, (c, out) -> json(c, 200, out));
  }

  private void health(RoutingContext ctx) {
    blocking(ctx, () -> health.check(store.usage()), (c, r) -> json(c, r.httpStatus(), r.json().toBuffer()));
  }

  // ---------------------------------------------------------------- plumbing

  /** Runs {@code work} on a worker thread, then replies on the event loop or maps the failure. */
  private <T> void blocking(RoutingContext ctx, Callable<T> work, BiConsumer<RoutingContext, T> reply) {
    vertx.executeBlocking(work, false).onComplete(r -> {
      health.record(ctx.request().method(), r.cause(), stopping);
      if (r.succeeded()) {
        reply.accept(ctx, r.result());
      } else {
        fail(ctx, r.cause());
      }
    });
  }

  private void fail(RoutingContext ctx, Throwable t) {
    if (t instanceof NodeException e) {
      if (e.reason() == Reason.SHARD_CORRUPT) {
        metrics.corruptShards.increment();
      }
      ApiErrors.send(ctx, e.httpStatus(), e.reason().code(), e.getMessage());
    } else if (NoSpace.is(t)) {
      LOG.error("event=request_failed node={} method={} path={} error=no_space", self.id(), ctx.request().method(),
          ctx.request().path());
      ApiErrors.send(ctx, NoSpace.HTTP_STATUS, NoSpace.REASON, "the node's disk is full; the write was not kept");
    } else if (stopping) {
      // reads cut short by the worker pool shutting down (ClosedByInterruptException): expected
      LOG.debug("event=request_cut_by_stop node={} path={} error={}", self.id(), ctx.request().path(), t.toString());
      ApiErrors.send(ctx, 503, "UNAVAILABLE", "the node is stopping");
    } else {
      LOG.error("event=request_failed node={} method={} path={} error={}", self.id(), ctx.request().method(),
          ctx.request().path(), t.toString());
      ApiErrors.send(ctx, 500, "INTERNAL", "the node failed");
    }
  }

  private static void json(RoutingContext ctx, int status, Buffer body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
  }
}
