package io.cachet.storage.node;

import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.ServerLimitsGuard;
import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.http.Buffers;
import io.cachet.storage.http.StorageErrors;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.NodeException.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.math.BigInteger;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A storage node's HTTP API (the table in {@code docs/STORAGE.md}) over a {@link NodeStore}.
 * Handlers never block: every disk access, and every parse or encode whose size depends on a blob,
 * runs through {@code executeBlocking(..., false)}, so stripe requests of one or many uploads use
 * the worker pool in parallel. Stripe bodies are gathered straight into one array of their
 * declared length (at most the shard size: else 413); JSON bodies are bounded by
 * {@link #MAX_JSON_BODY_BYTES}. The node refuses to start unless its {@code node.key} is the key
 * the network lists for its index.
 */
public final class StorageNode extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(StorageNode.class);

  /** Largest JSON body: metadata of the largest size in base64, plus room for a certificate. */
  public static final long MAX_JSON_BODY_BYTES = BlobMetadata.MAX_BYTES * 4L / 3 + 64 * 1024;
  public static final int DEFAULT_LIST_LIMIT = 100;
  public static final int MAX_LIST_LIMIT = 1000;
  /** Bytes the HTTP decoder hands over at once; larger than Vert.x's 8 KiB default for shard bodies. */
  private static final int MAX_CHUNK_BYTES = 64 * 1024;
  private static final String OCTETS = "application/octet-stream";
  private static final String JSON = "application/json";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final NodeConfig config;
  private final ServerLimits limits;
  private final NodeInfo self;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, Counter> requestCounters = new ConcurrentHashMap<>();
  private final Counter bytesWritten;
  private final Counter bytesRead;
  private final Counter corruptShards;
  private final Counter confirmationsSigned;
  private final AtomicBoolean collecting = new AtomicBoolean();
  private final java.util.Set<String> routeNames = ConcurrentHashMap.newKeySet();
  private volatile NodeStore store;
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
    this.bytesWritten = Counter.builder("cachet_node_shard_bytes_written").description("shard bytes written")
        .register(metrics);
    this.bytesRead = Counter.builder("cachet_node_shard_bytes_read").description("verified shard bytes served")
        .register(metrics);
    this.corruptShards = Counter.builder("cachet_node_corrupt_shards").description("shards found failing their digest")
        .register(metrics);
    this.confirmationsSigned = Counter.builder("cachet_node_confirmations_signed").register(metrics);
    metrics.gauge("cachet_node_blobs", this, n -> n.store == null ? 0 : n.store.blobCount());
    metrics.gauge("cachet_node_uploads", this, n -> n.store == null ? 0 : n.store.uploadCount());
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
      NodeKey k = NodeKeys.load(config.dataDir());
      if (!self.hasKey(k.publicKey())) {
        k.destroy();
        throw new IllegalStateException("the key in " + config.dataDir().resolve(NodeKeys.KEY_FILE) + " is "
            + B64.encodeToString(k.publicKey()) + ", but the network lists "
            + B64.encodeToString(self.publicKey()) + " for node " + self.id() + " (index " + config.index() + ")");
      }
      store = NodeStore.open(config);
      key = k;
      return null;
    }, false).compose(v -> {
      ServerLimitsGuard guard = new ServerLimitsGuard(vertx, limits, "node " + self.id());
      return guard.createServer(new HttpServerOptions().setMaxChunkSize(MAX_CHUNK_BYTES)).requestHandler(router(guard))
          .listen(config.port(), config.host());
    })
        .onSuccess(s -> {
          server = s;
          gcTimer = vertx.setPeriodic(config.gcIntervalMillis(), t -> periodicCollection());
          LOG.info("event=node_listening node={} index={} host={} port={} dir={} blobs={}", self.id(), config.index(),
              config.host(), s.actualPort(), config.dataDir(), store.blobCount());
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
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
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

  /** Runs one garbage collection now (the node also runs one every {@code gcIntervalMillis}). */
  public Future<NodeStore.Collected> collectGarbage() {
    return vertx.executeBlocking(() -> store.collectGarbage(), false);
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
    StorageErrors.install(router);
    guard.install(router);
    router.route().handler(this::instrument);
    BodyHandler json = BodyHandler.create(false).setBodyLimit(MAX_JSON_BODY_BYTES);
    route(router, HttpMethod.GET, "/v1/node", "node").handler(this::node);
    route(router, HttpMethod.PUT, "/v1/uploads/:uploadId/stripes/:s", "upload_stripe").handler(this::uploadStripe);
    route(router, HttpMethod.POST, "/v1/uploads/:uploadId/commit", "commit").handler(json).handler(this::commit);
    route(router, HttpMethod.DELETE, "/v1/uploads/:uploadId", "abort").handler(this::abort);
    route(router, HttpMethod.GET, "/v1/blobs", "list").handler(this::list);
    route(router, HttpMethod.GET, "/v1/blobs/:blobId/metadata", "metadata").handler(this::metadata);
    route(router, HttpMethod.GET, "/v1/blobs/:blobId/stripes/:s", "read_stripe").handler(this::readStripe);
    route(router, HttpMethod.PUT, "/v1/blobs/:blobId", "install").handler(json).handler(this::install);
    route(router, HttpMethod.PUT, "/v1/blobs/:blobId/stripes/:s", "repair_stripe").handler(this::repairStripe);
    route(router, HttpMethod.PUT, "/v1/blobs/:blobId/certificate", "put_certificate").handler(json)
        .handler(this::putCertificate);
    route(router, HttpMethod.GET, "/v1/blobs/:blobId/certificate", "certificate").handler(this::certificate);
    route(router, HttpMethod.GET, "/v1/blobs/:blobId/health", "scrub").handler(this::scrub);
    route(router, HttpMethod.GET, "/v1/challenges/:blobId/:s", "challenge").handler(this::challenge);
    route(router, HttpMethod.GET, "/health", "health").handler(this::health);
    route(router, HttpMethod.GET, "/metrics", "metrics").handler(this::scrape);
    return router;
  }

  private Route route(Router router, HttpMethod method, String path, String name) {
    routeNames.add(name);
    return router.route(method, path).setName(name);
  }

  /** Counts every request by route and status when its response ends. */
  private void instrument(RoutingContext ctx) {
    String method = ctx.request().method().name();
    ctx.addEndHandler(r -> {
      Route current = ctx.currentRoute();
      String name = current == null ? null : current.getName();
      String route = name != null && routeNames.contains(name) ? name : "unmatched";
      String status = Integer.toString(ctx.response().getStatusCode());
      requestCounters.computeIfAbsent(method + ' ' + route + ' ' + status, k -> Counter.builder("cachet_node_requests")
          .tag("method", method).tag("route", route).tag("status", status).register(metrics)).increment();
    });
    ctx.next();
  }

  // ---------------------------------------------------------------- handlers

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
      discardBody(ctx.request());
      fail(ctx, e);
      return;
    }
    shardBody(ctx.request()).onSuccess(body -> blocking(ctx, () -> {
      store.writeStripe(uploadId, stripe, body.bytes, body.length);
      return body.length;
    }, (c, n) -> {
      bytesWritten.increment(n);
      c.response().setStatusCode(204).end();
    })).onFailure(e -> fail(ctx, e));
  }

  private void commit(RoutingContext ctx) {
    String uploadId;
    try {
      uploadId = Params.uploadId(ctx.pathParam("uploadId"));
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    Buffer body = ctx.body().buffer();
    blocking(ctx, () -> {
      JsonObject request = jsonObject(body);
      BlobMetadata metadata = metadataField(request);
      long endEpoch = longField(request, "endEpoch");
      NodeStore.Committed c = store.commit(uploadId, metadata, endEpoch);
      Confirmation confirmation = Confirmation.sign(self.id(), key, c.blobId(), c.size(), c.endEpoch());
      JsonObject out = new JsonObject().put("confirmation", confirmation.toJson()).put("alreadyStored", c.alreadyStored());
      if (c.alreadyStored()) {
        out.put("previousEndEpoch", c.previousEndEpoch());
      }
      return out.toBuffer();
    }, (c, out) -> {
      confirmationsSigned.increment();
      json(c, 200, out);
    });
  }

  private void abort(RoutingContext ctx) {
    String uploadId;
    try {
      uploadId = Params.uploadId(ctx.pathParam("uploadId"));
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    blocking(ctx, () -> {
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
        .end(Buffers.wrap(stored.metadata().toBytes())));
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
      bytesRead.increment(shard.length());
      c.response().putHeader(HttpHeaders.CONTENT_TYPE, OCTETS).end(shard);
    });
  }

  private void install(RoutingContext ctx) {
    BlobId id;
    try {
      id = Params.blobId(ctx.pathParam("blobId"));
    } catch (NodeException e) {
      fail(ctx, e);
      return;
    }
    Buffer body = ctx.body().buffer();
    blocking(ctx, () -> {
      JsonObject request = jsonObject(body);
      BlobMetadata metadata = metadataField(request);
      if (!(request.getValue("certificate") instanceof JsonObject certificate)) {
        throw new NodeException(Reason.INVALID_ARGUMENT, "body must carry \"certificate\": an object");
      }
      AvailabilityCertificate parsed;
      try {
        parsed = AvailabilityCertificate.fromJson(certificate);
      } catch (RuntimeException e) {
        throw new NodeException(Reason.BAD_CERTIFICATE, "malformed certificate: " + e.getMessage());
      }
      return store.install(id, metadata, parsed);
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
    Buffer body = ctx.body().buffer();
    blocking(ctx, () -> {
      AvailabilityCertificate parsed;
      try {
        parsed = AvailabilityCertificate.fromJson(jsonObject(body));
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
      discardBody(ctx.request());
      fail(ctx, e);
      return;
    }
    shardBody(ctx.request()).onSuccess(body -> blocking(ctx, () -> {
      store.repairShard(id, stripe, body.bytes, body.length);
      return body.length;
    }, (c, n) -> {
      bytesWritten.increment(n);
      c.response().setStatusCode(204).end();
    })).onFailure(e -> fail(ctx, e));
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
      corruptShards.increment(h.corrupt().size());
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
          .put("encoding", B64.encodeToString(a.metadata().encoding().descriptor()))
          .put("length", a.metadata().length()).put("shard", B64.encodeToString(a.shard())).put("proof", proof)
          .toBuffer();
    }, (c, out) -> json(c, 200, out));
  }

  private void health(RoutingContext ctx) {
    json(ctx, 200, new JsonObject().put("status", "ok").put("nodeId", self.id()).put("blobs", store.blobCount())
        .toBuffer());
  }

  private void scrape(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape());
  }

  // ---------------------------------------------------------------- plumbing

  /** Runs {@code work} on a worker thread, then replies on the event loop or maps the failure. */
  private <T> void blocking(RoutingContext ctx, Callable<T> work, BiConsumer<RoutingContext, T> reply) {
    vertx.executeBlocking(work, false).onComplete(r -> {
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
        corruptShards.increment();
      }
      StorageErrors.send(ctx, e.httpStatus(), e.reason().name(), e.getMessage());
    } else if (stopping) {
      // reads cut short by the worker pool shutting down (ClosedByInterruptException): expected
      LOG.debug("event=request_cut_by_stop node={} path={} error={}", self.id(), ctx.request().path(), t.toString());
      StorageErrors.send(ctx, 503, "UNAVAILABLE", "the node is stopping");
    } else {
      LOG.error("event=request_failed node={} method={} path={} error={}", self.id(), ctx.request().method(),
          ctx.request().path(), t.toString());
      StorageErrors.send(ctx, 500, "INTERNAL", "the node failed: " + t.getClass().getSimpleName());
    }
  }

  private static void json(RoutingContext ctx, int status, Buffer body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
  }

  /** A shard body gathered into one array. */
  private static final class ShardBody {
    byte[] bytes;
    int length;

    ShardBody(int capacity) {
      bytes = new byte[capacity];
    }

    void append(Buffer chunk, int limit) {
      int n = chunk.length();
      if (length + n > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.min(limit, Math.max(length + n, bytes.length * 2)));
      }
      chunk.getBytes(0, n, bytes, length);
      length += n;
    }
  }

  /**
   * Gathers a shard body of at most the shard size. A declared Content-Length above it fails at
   * once with TOO_LARGE; a chunked body fails as soon as it passes it. The rest of a refused body
   * is read and dropped, so the connection stays usable.
   */
  private Future<ShardBody> shardBody(HttpServerRequest req) {
    int limit = config.network().shardSize();
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    long expected = -1;
    if (declared != null) {
      try {
        expected = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        expected = Long.MAX_VALUE;
      }
    }
    if (expected > limit) {
      discardBody(req);
      return Future.failedFuture(new NodeException(Reason.TOO_LARGE, "a shard is at most " + limit + " bytes, this body is "
          + declared));
    }
    ShardBody body = new ShardBody(expected >= 0 ? (int) expected : Math.min(limit, MAX_CHUNK_BYTES));
    Promise<ShardBody> done = Promise.promise();
    req.handler(chunk -> {
      if (done.future().isComplete()) {
        return;
      }
      if ((long) body.length + chunk.length() > limit) {
        done.tryFail(new NodeException(Reason.TOO_LARGE, "a shard is at most " + limit + " bytes"));
        return;
      }
      body.append(chunk, limit);
    });
    req.exceptionHandler(done::tryFail);
    req.endHandler(v -> done.tryComplete(body));
    return done.future();
  }

  private static void discardBody(HttpServerRequest req) {
    Handler<Buffer> drop = b -> { };
    req.handler(drop);
  }

  private static JsonObject jsonObject(Buffer body) throws NodeException {
    if (body == null || body.length() == 0) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "the body must be a JSON object");
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "the body is not JSON");
    }
    if (!(value instanceof JsonObject o)) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "the body must be a JSON object");
    }
    return o;
  }

  private static BlobMetadata metadataField(JsonObject request) throws NodeException {
    if (!(request.getValue("metadata") instanceof String text)) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "body must carry \"metadata\": URL-safe base64");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "\"metadata\" is not URL-safe base64");
    }
    try {
      return BlobMetadata.parse(bytes);
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.BAD_METADATA, e.getMessage());
    }
  }

  private static long longField(JsonObject request, String name) throws NodeException {
    Object v = request.getValue(name);
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger) {
      throw new NodeException(Reason.BAD_EPOCH, "\"" + name + "\" is out of range");
    }
    throw new NodeException(Reason.INVALID_ARGUMENT, "body must carry \"" + name + "\": an integer");
  }
}
