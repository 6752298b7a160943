package io.cachet.storage.gateway;

import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.ServerLimitsGuard;
import io.cachet.storage.BlobId;
import io.cachet.common.http.ApiErrors;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local network's publisher and aggregator: the Walrus HTTP API over the storage nodes, plus
 * the repair loop and the auditor. One route table:
 *
 * <pre>
 * PUT  /v1/blobs?epochs=N[&amp;permanent=true][&amp;force=true]   store (Walrus newlyCreated / alreadyCertified)
 * PUT  /v1/quilts?epochs=N[&amp;...]        store a multipart form of files as one quilt (blobStoreResult,
 *                                       storedQuiltBlobs); the same parameters, and quilt_version=v1
 * GET  /v1/blobs/{blobId}                 read; Range: bytes=a-b gives 206
 * GET  /v1/blobs/{blobId}/byte-range?start=S&amp;length=L        200 with that slice; a bad range is 400
 * GET  /v1/blobs/by-object-id/{id}        404: Cachet has no Sui objects (400 for a malformed id)
 * GET  /v1/blobs/by-quilt-patch-id/{patchId}          one quilt patch (QuiltReads)
 * GET  /v1/blobs/by-quilt-id/{quiltId}/{identifier}   one quilt patch, by its identifier
 * GET  /v1/quilts/{quiltId}/patches       the quilt's patches: [{identifier, patch_id, tags}]
 * GET  /v1alpha/blobs/concat?ids=a,b,c    the blobs one after another (BlobConcat)
 * POST /v1alpha/blobs/concat              the same, the ids in a JSON body
 * HEAD on every GET read above           the GET's status and headers after the same checks, no body
 * GET  /v1/network                        the network configuration (nodes, keys, epochs)
 * GET  /health                          200 serving, or 503 and why (GatewayHealth)
 * GET  /metrics
 * </pre>
 *
 * Pages of the origins in {@code cors-origins} may read blobs from a browser ({@link #CORS_ROUTES});
 * nothing else, uploads least of all, is open to them.
 *
 * <p>All state is confined to this verticle's event loop; {@link #repairNow()} and
 * {@link #auditNow()} hop onto it.
 */
public final class Gateway extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /** Uploads one client address may have in progress at once, so a few slow ones cannot take all. */
  public static final int DEFAULT_UPLOADS_PER_CLIENT = 2;
  /** How long a stop lets uploads and reads under way finish before their connections are cut. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(20);

  /**
   * What a web page may call across origins: reads of a blob, whole or by {@code Range}, and of a
   * quilt patch by its patch id (with the headers that carry the patch's identifier and tags).
   */
  public static final List<CorsPolicy.Route> CORS_ROUTES = List.of(
      CorsPolicy.Route.of("/v1/blobs/:blobId", "GET", "HEAD").takes("Range")
          .exposes("Content-Range", "Content-Length", "Accept-Ranges", "ETag", "Retry-After"),
      CorsPolicy.Route.of("/v1/blobs/by-quilt-patch-id/:patchId", "GET", "HEAD").takes("Range")
          .exposes("Content-Range", "Content-Length", "Accept-Ranges", "ETag", "Retry-After",
              QuiltReads.IDENTIFIER_HEADER, "Content-Disposition", "Content-Language", "Content-Location", "Link"));

  private final GatewayConfig config;
  private final CertificateSink sink;
  private final ServerLimits limits;
  private final int uploadsPerClient;
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final List<Consumer<Auditor.Result>> auditListeners = new CopyOnWriteArrayList<>();
  private NodeClient nodes;
  private Repairer repairer;
  private Auditor auditor;
  private HttpServer server;
  private Context home;

  public Gateway(GatewayConfig config, CertificateSink sink) {
    this(config, sink, ServerLimits.defaults(), DEFAULT_UPLOADS_PER_CLIENT);
  }

  /**
   * A gateway whose connections and requests are held to {@code limits}, and whose clients may each
   * have {@code uploadsPerClient} uploads in progress (more get {@code 429 TOO_MANY_UPLOADS}).
   */
  public Gateway(GatewayConfig config, CertificateSink sink, ServerLimits limits, int uploadsPerClient) {
    if (uploadsPerClient < 1) {
      throw new IllegalArgumentException("uploads per client must be at least 1, was " + uploadsPerClient);
    }
    this.config = config;
    this.sink = sink;
    this.limits = limits;
    this.uploadsPerClient = uploadsPerClient;
  }

  @Override
  public Future<?> start() {
    home = context;
    nodes = new NodeClient(vertx, config.network(), config.nodeTimeoutMillis(), config.maxBlobSize(),
        config.publisherKey(), config.nowMillis());
    StripeReader reader = new StripeReader(vertx, nodes, metrics, config.nowMillis());
    Publisher publisher = new Publisher(vertx, config, nodes, sink, metrics);
    Aggregator aggregator = new Aggregator(config, reader, metrics);
    repairer = new Repairer(nodes, reader, metrics, config.nowMillis());
    auditor = new Auditor(nodes, reader, repairer, metrics);

    ServerLimitsGuard guard = new ServerLimitsGuard(vertx, limits, "gateway");
    Router router = Router.router(vertx);
    guard.install(router);
    config.cors().install(router, CORS_ROUTES);
    Handler<RoutingContext> uploadSlots = guard.perAddressSlots(uploadsPerClient, "TOO_MANY_UPLOADS", "uploads");
    router.put("/v1/blobs").handler(uploadSlots).handler(publisher::handle);
    router.put("/v1/quilts").handler(uploadSlots).handler(new QuiltPublisher(vertx, config, publisher)::handle);
    BlobConcat concat = new BlobConcat(aggregator);
    QuiltReads quilts = new QuiltReads(aggregator, new QuiltIndexes(vertx, reader, aggregator.budget()));
    // The fixed first segments go before /v1/blobs/:blobId/...: "by-quilt-patch-id" is no blob id.
    getAndHead(router, "/v1/blobs/by-object-id/:objectId", aggregator::byObjectId);
    getAndHead(router, "/v1/blobs/by-quilt-patch-id/:patchId", quilts::byPatchId);
    getAndHead(router, "/v1/blobs/by-quilt-id/:quiltId/:identifier", quilts::byIdentifier);
    getAndHead(router, "/v1/quilts/:quiltId/patches", quilts::patches);
    getAndHead(router, "/v1/blobs/:blobId/byte-range", aggregator::byteRange);
    getAndHead(router, "/v1/blobs/:blobId", aggregator::read);
    getAndHead(router, "/v1alpha/blobs/concat", concat::byQuery);
    router.post("/v1alpha/blobs/concat").handler(concat::byBody);
    router.get("/v1/network").handler(ctx -> ctx.json(config.network().toJson()));
    GatewayHealth health = new GatewayHealth(nodes, config.network(), sink, config::currentEpoch,
        () -> repairer.activity());
    router.get("/health").handler(ctx -> health.check().onSuccess(r -> ctx.response().setStatusCode(r.httpStatus())
        .putHeader("content-type", "application/json").end(r.json().encode())));
    router.get("/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4")
        .end(metrics.registry.scrape()));
    ApiErrors.install(router);

    if (config.repairIntervalMillis() > 0) {
      vertx.setPeriodic(config.repairIntervalMillis(), id -> repairer.runOnce()
          .onFailure(e -> LOG.debug("repair pass skipped: {}", e.getMessage())));
    }
    if (config.auditIntervalMillis() > 0) {
      vertx.setPeriodic(config.auditIntervalMillis(), id -> auditor.challengeRandom().onSuccess(this::reportAudit));
    }
    // a quilt's form: every patch a field, its _metadata one attribute, a part's headers a longest identifier twice
    HttpServerOptions options = new HttpServerOptions().setMaxFormFields(QuiltPublisher.MAX_FORM_FIELDS)
        .setMaxFormAttributeSize(QuiltPublisher.MAX_METADATA_BYTES)
        .setMaxFormBufferedBytes(QuiltPublisher.MAX_FORM_BUFFERED_BYTES);
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    return vertx.executeBlocking(() -> QuiltTempSweep.sweep(tmp, Instant.now()), false)
        .compose(swept -> guard.createServer(options)
        .requestHandler(router)
        .listen(config.port(), config.host()))
        .onSuccess(s -> {
          server = s;
          LOG.info("gateway listening on {}:{} over {} nodes (f={}, k={})", config.host(), s.actualPort(),
              config.network().n(), config.network().f(), config.network().k());
        });
  }

  /** Every read answers HEAD with the headers its GET would send, after the same checks. */
  private static void getAndHead(Router router, String path, Handler<RoutingContext> read) {
    router.get(path).handler(read);
    router.head(path).handler(read);
  }

  @Override
  public Future<?> stop() {
    // an upload under way finishes (its certificate recorded) before the node connections close
    Future<Void> closed = server == null ? Future.succeededFuture() : server.shutdown(STOP_GRACE);
    return closed.eventually(() -> {
      if (nodes != null) {
        nodes.close();
      }
      return Future.succeededFuture();
    });
  }

  public int actualPort() {
    return server.actualPort();
  }

  public String url() {
    return "http://" + config.host() + ":" + actualPort();
  }

  /** Runs one repair pass now. */
  public Future<Repairer.Report> repairNow() {
    return onHome(() -> repairer.runOnce());
  }

  /** Challenges a random node on a random blob now (null when no blob is stored). */
  public Future<Auditor.Result> auditNow() {
    return onHome(() -> auditor.challengeRandom().onSuccess(this::reportAudit));
  }

  /** Challenges one node on one blob at one stripe (a random stripe if negative). */
  public Future<Auditor.Result> challenge(int node, BlobId blob, long stripe) {
    return onHome(() -> auditor.challenge(node, blob, stripe).onSuccess(this::reportAudit));
  }

  /** Called with every challenge outcome. */
  public void onAudit(Consumer<Auditor.Result> listener) {
    auditListeners.add(listener);
  }

  private void reportAudit(Auditor.Result result) {
    if (result != null) {
      auditListeners.forEach(l -> l.accept(result));
    }
  }

  private <T> Future<T> onHome(Supplier<Future<T>> work) {
    Promise<T> promise = Promise.promise();
    home.runOnContext(v -> work.get().onComplete(promise));
    return promise.future();
  }
}
