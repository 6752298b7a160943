package io.cachet.policy.server;

import io.cachet.common.http.ApiErrors;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.ServerLimitsGuard;
import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Block;
import io.cachet.policy.DurableState;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicySummary;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.TransactionRefusedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger node's HTTP API over a {@link Sequencer}. Handlers never block: submissions and long
 * polls are futures the sequencer's own thread completes. Routes (all JSON):
 *
 * <pre>
 * POST /v1/transactions?wait=true   {"transaction": base64url}  -> 200 committed {digest, height, ledgerTime}
 *                                                                  (wait=false: 202 accepted {digest})
 * GET  /v1/head                      -> {ledgerId, genesisDigest, height, hash, timestamp, sequencerKey}
 * GET  /v1/blocks?from=H&amp;limit=N&amp;waitMs=W -> {ledgerId, head, blocks: [base64url]}   (long poll)
 * GET  /v1/policies/{id}             -> policy JSON
 * GET  /v1/accounts/{address}/nonce  -> {address, nextNonce}
 * GET  /v1/accounts/{address}/policies?limit=N -> {address, height, truncated,
 *                                        policies: [{id, kind, owner, admins, version, members, unlockAt}]}
 * GET  /v1/certificates/{blobId}     -> {blobId, size, endEpoch, confirmations, recordedAt,
 *                                        signatures: [{nodeId, nodeKey, signature}]}
 * GET  /health, GET /metrics (Prometheus text)
 * </pre>
 *
 * <p>Pages of the origins in {@code cors-origins} may read the head, policies, nonces, managed
 * policies and certificates from a browser ({@link #CORS_ROUTES}); never submit.
 */
public final class LedgerServer extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerServer.class);

  /** Largest request body: one transaction in JSON, with room. */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  /** Longest a submitter waits for its block before being told the ledger is unavailable. */
  public static final long COMMIT_TIMEOUT_MS = 30_000;
  /** Longest a block long poll may wait. */
  public static final long MAX_WAIT_MS = 30_000;
  /** Block bytes one read returns at most (the first block always goes, whatever its size). */
  public static final long MAX_RESPONSE_BLOCK_BYTES = 16L << 20;
  /** Most blocks one read returns. */
  public static final int MAX_BLOCKS_PER_READ = 1000;
  /** Most policies one "managed by" read lists; more are flagged {@code truncated}. */
  public static final int MAX_MANAGED_PER_READ = 1000;

  /** What a web page may read across origins: the state it shows a reader (a policy's window, say). */
  public static final List<CorsPolicy.Route> CORS_ROUTES = List.of(
      CorsPolicy.Route.of("/v1/head", "GET"),
      CorsPolicy.Route.of("/v1/policies/:id", "GET"),
      CorsPolicy.Route.of("/v1/accounts/:address/nonce", "GET"),
      CorsPolicy.Route.of("/v1/accounts/:address/policies", "GET"),
      CorsPolicy.Route.of("/v1/certificates/:blobId", "GET"));

  private final Sequencer sequencer;
  private final String host;
  private final int requestedPort;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer commitTimer;
  private final ServerLimits limits;
  private final CorsPolicy cors;
  private ServerLimitsGuard guard;
  private HttpServer server;

  public LedgerServer(Sequencer sequencer, String host, int port) {
    this(sequencer, host, port, ServerLimits.defaults());
  }

  /** A ledger server whose connections and requests are held to {@code limits}. */
  public LedgerServer(Sequencer sequencer, String host, int port, ServerLimits limits) {
    this(sequencer, host, port, limits, CorsPolicy.off());
  }

  /** As {@link #LedgerServer(Sequencer, String, int, ServerLimits)}, pages of {@code cors}'s origins let in. */
  public LedgerServer(Sequencer sequencer, String host, int port, ServerLimits limits, CorsPolicy cors) {
    this.cors = Objects.requireNonNull(cors, "cors");
    this.sequencer = Objects.requireNonNull(sequencer, "sequencer");
    this.host = host;
    this.requestedPort = port;
    this.limits = Objects.requireNonNull(limits, "limits");
    this.commitTimer = Timer.builder("cachet_ledger_commit").description("submit to durable acknowledgement")
        .publishPercentileHistogram().register(metrics);
    metrics.gauge("cachet_ledger_height", sequencer, s -> s.head().height());
    metrics.gauge("cachet_ledger_queued_transactions", sequencer, Sequencer::queued);
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    guard = new ServerLimitsGuard(vertx, limits, "ledger " + sequencer.ledgerId());
    metrics.gauge("cachet_ledger_connections", guard, ServerLimitsGuard::openConnections);
    Router router = Router.router(vertx);
    ApiErrors.install(router);
    guard.install(router);
    cors.install(router, CORS_ROUTES);
    router.post("/v1/transactions").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.post("/v1/transactions").handler(this::submit);
    router.get("/v1/head").handler(this::head);
    router.get("/v1/blocks").handler(this::blocks);
    router.get("/v1/policies/:id").handler(this::policy);
    router.get("/v1/accounts/:address/nonce").handler(this::nonce);
    router.get("/v1/accounts/:address/policies").handler(this::managed);
    router.get("/v1/certificates/:blobId").handler(this::certificate);
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4")
        .end(metrics.scrape()));
    return guard.createServer(new HttpServerOptions()).requestHandler(router).listen(requestedPort, host)
        .onSuccess(s -> {
          server = s;
          LOG.info("event=ledger_listening host={} port={} ledger={}", host, s.actualPort(), sequencer.ledgerId());
        });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  // ---------------------------------------------------------------- handlers

  private boolean refuseIfStopped(RoutingContext ctx) {
    if (sequencer.failure() != null) {
      // the failure names files and internals: it is in the sequencer's log, not in answers to anyone
      ApiErrors.send(ctx, 503, "LEDGER_STOPPED", "the ledger stopped after a failure of its own storage and"
          + " accepts nothing until its operator restarts it");
      return true;
    }
    return false;
  }

  private void submit(RoutingContext ctx) {
    if (refuseIfStopped(ctx)) {
      return;
    }
    Transaction tx;
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null || !(body.getValue("transaction") instanceof String text) || body.size() != 1) {
        ApiErrors.send(ctx, 400, "MALFORMED", "body must be {\"transaction\": <base64url>}");
        return;
      }
      tx = Transaction.decode(Base64Url.decode(text, "transaction"));
    } catch (DecodeException | ClassCastException e) {
      ApiErrors.send(ctx, 400, "MALFORMED", "body is not a JSON object");
      return;
    } catch (FormatException e) {
      ApiErrors.send(ctx, 400, "MALFORMED", e.getMessage());
      return;
    }
    boolean wait = !"false".equals(ctx.request().getParam("wait"));
    String digest = Hex.to0x(tx.digest());
    Timer.Sample sample = Timer.start(metrics);
    java.util.concurrent.CompletableFuture<Sequencer.Committed> submitted = sequencer.submit(tx);
    if (!wait && submitted.isCompletedExceptionally()) {
      ApiErrors.send(ctx, 503, "LEDGER_UNAVAILABLE", "the ledger cannot take transactions now (stopped or busy)");
      return;
    }
    Future<Sequencer.Committed> done = Future.fromCompletionStage(submitted, vertx.getOrCreateContext());
    if (!wait) {
      ctx.response().setStatusCode(202).putHeader("content-type", "application/json")
          .end(new JsonObject().put("status", "accepted").put("digest", digest).encode());
      done.onComplete(r -> count(r.succeeded(), r.cause()));
      return;
    }
    done.timeout(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(r -> {
      sample.stop(commitTimer);
      count(r.succeeded(), r.cause());
      if (r.succeeded()) {
        ctx.response().putHeader("content-type", "application/json").end(new JsonObject()
            .put("status", "committed").put("digest", digest).put("height", r.result().height())
            .put("ledgerTime", r.result().ledgerTime()).encode());
      } else if (r.cause() instanceof TransactionRefusedException refused) {
        ApiErrors.send(ctx, 409, refused.reason().name(), refused.getMessage());
      } else {
        ApiErrors.send(ctx, 503, "LEDGER_UNAVAILABLE", unavailable(r.cause()));
      }
    });
  }

  /**
   * What a client is told when its request could not be served: a full queue or a timeout in
   * words of its own, anything else generically (the cause, which may name files, is logged).
   */
  private static String unavailable(Throwable cause) {
    if (cause instanceof TimeoutException) {
      return "not committed in time; the ledger is slow or stopping, retry later";
    }
    String message = cause.getMessage();
    if (message != null && message.startsWith(Sequencer.BUSY)) {
      return message;
    }
    LOG.warn("event=ledger_request_failed reason=\"{}\"", String.valueOf(cause));
    return "the ledger could not serve this request now; retry later";
  }

  private void count(boolean accepted, Throwable cause) {
    String outcome = accepted ? "committed" : cause instanceof TransactionRefusedException r ? r.reason().name()
        : "unavailable";
    Counter.builder("cachet_ledger_transactions").tag("outcome", outcome).register(metrics).increment();
  }

  private void head(RoutingContext ctx) {
    Block head = sequencer.head();
    json(ctx, new JsonObject()
        .put("ledgerId", sequencer.ledgerId())
        .put("genesisDigest", sequencer.ledger().genesisHex())
        .put("height", head.height())
        .put("hash", Hex.to0x(head.hash()))
        .put("timestamp", head.timestamp())
        .put("sequencerKey", sequencer.sequencerKey().toString()));
  }

  private void blocks(RoutingContext ctx) {
    long from;
    int limit;
    long waitMs;
    try {
      from = Long.parseLong(param(ctx, "from", "0"));
      limit = Integer.parseInt(param(ctx, "limit", "100"));
      waitMs = Long.parseLong(param(ctx, "waitMs", "0"));
    } catch (NumberFormatException e) {
      ApiErrors.send(ctx, 400, "MALFORMED", "from, limit and waitMs must be integers");
      return;
    }
    if (from < 0 || limit < 1 || limit > MAX_BLOCKS_PER_READ || waitMs < 0 || waitMs > MAX_WAIT_MS) {
      ApiErrors.send(ctx, 400, "OUT_OF_RANGE", "need from >= 0, 1 <= limit <= " + MAX_BLOCKS_PER_READ
          + ", 0 <= waitMs <= " + MAX_WAIT_MS);
      return;
    }
    // Only the next block is worth waiting for; a poll further ahead is answered at once, so
    // waiters never pile up past the height the next heartbeat completes.
    if (waitMs == 0 || sequencer.head().height() + 1 != from) {
      sendBlocks(ctx, from, limit);
      return;
    }
    Future.fromCompletionStage(sequencer.awaitHeight(from), vertx.getOrCreateContext())
        .timeout(waitMs, TimeUnit.MILLISECONDS)
        .onComplete(r -> {
          if (r.succeeded() || r.cause() instanceof TimeoutException) {
            sendBlocks(ctx, from, limit);
          } else {
            ApiErrors.send(ctx, 503, "LEDGER_UNAVAILABLE", unavailable(r.cause()));
          }
        });
  }

  /** Blocks come from the journal on disk, so they are read on a worker, never on the event loop. */
  private void sendBlocks(RoutingContext ctx, long from, int limit) {
    vertx.executeBlocking(() -> {
      JsonArray out = new JsonArray();
      sequencer.encodedBlocksFrom(from, limit, MAX_RESPONSE_BLOCK_BYTES).forEach(e -> out.add(Base64Url.encode(e)));
      return out;
    }, false).onComplete(r -> {
      if (r.succeeded()) {
        json(ctx, new JsonObject().put("ledgerId", sequencer.ledgerId()).put("head", sequencer.head().height())
            .put("blocks", r.result()));
      } else {
        LOG.error("event=ledger_blocks_read_failed from={} reason=\"{}\"", from, r.cause().toString());
        ApiErrors.send(ctx, 503, "LEDGER_UNAVAILABLE", "the ledger could not read its blocks");
      }
    });
  }

  private void policy(RoutingContext ctx) {
    PolicyId id;
    try {
      id = PolicyId.parse(ctx.pathParam("id"));
    } catch (FormatException e) {
      ApiErrors.send(ctx, 400, "MALFORMED", e.getMessage());
      return;
    }
    Policy p = sequencer.durable().policy(id);
    if (p == null) {
      ApiErrors.send(ctx, 404, "UNKNOWN_POLICY", "no policy " + id + " on ledger " + sequencer.ledgerId());
      return;
    }
    json(ctx, PolicyJson.toJson(p).put("height", sequencer.head().height()));
  }

  private void nonce(RoutingContext ctx) {
    try {
      Address a = Address.parse(ctx.pathParam("address"));
      json(ctx, new JsonObject().put("address", a.toString()).put("nextNonce", sequencer.durable().nextNonce(a)));
    } catch (FormatException e) {
      ApiErrors.send(ctx, 400, "MALFORMED", e.getMessage());
    }
  }

  /**
   * The policies an address owns or administers, as summaries (members counted, not listed), so
   * the answer stays small however large the allow-lists are. The ledger keeps an index of who
   * manages what, so the read costs what it answers and runs on the event loop, sharing no worker
   * with {@code /v1/blocks}; the list and its height are of the same durable block.
   */
  private void managed(RoutingContext ctx) {
    if (refuseIfStopped(ctx)) {
      return;
    }
    Address who;
    int limit;
    try {
      who = Address.parse(ctx.pathParam("address"));
      limit = Integer.parseInt(param(ctx, "limit", String.valueOf(MAX_MANAGED_PER_READ)));
    } catch (FormatException e) {
      ApiErrors.send(ctx, 400, "MALFORMED", e.getMessage());
      return;
    } catch (NumberFormatException e) {
      ApiErrors.send(ctx, 400, "MALFORMED", "limit must be an integer");
      return;
    }
    if (limit < 1 || limit > MAX_MANAGED_PER_READ) {
      ApiErrors.send(ctx, 400, "OUT_OF_RANGE", "need 1 <= limit <= " + MAX_MANAGED_PER_READ);
      return;
    }
    DurableState.Managed found = sequencer.durable().managedBy(who, limit);
    JsonArray out = new JsonArray();
    found.policies().forEach(p -> out.add(PolicyJson.summary(PolicySummary.of(p))));
    json(ctx, new JsonObject().put("address", who.toString()).put("height", found.height())
        .put("truncated", found.truncated()).put("policies", out));
  }

  private void certificate(RoutingContext ctx) {
    LedgerState.Certificate c = sequencer.durable().certificate(ctx.pathParam("blobId"));
    if (c == null) {
      ApiErrors.send(ctx, 404, "UNKNOWN_BLOB", "no availability certificate for blob " + ctx.pathParam("blobId"));
      return;
    }
    JsonArray signatures = new JsonArray();
    c.signatures().forEach(s -> signatures.add(new JsonObject().put("nodeId", s.nodeId())
        .put("nodeKey", Base64Url.encode(s.nodeKey().bytes()))
        .put("signature", Base64Url.encode(s.signature()))));
    json(ctx, new JsonObject().put("blobId", c.blobId()).put("size", c.size()).put("endEpoch", c.endEpoch())
        .put("confirmations", c.confirmations()).put("recordedAt", c.recordedAt()).put("signatures", signatures));
  }

  private void health(RoutingContext ctx) {
    if (refuseIfStopped(ctx)) {
      return;
    }
    json(ctx, new JsonObject().put("status", "ok").put("height", sequencer.head().height()));
  }

  private static String param(RoutingContext ctx, String name, String fallback) {
    String v = ctx.request().getParam(name);
    return v == null ? fallback : v;
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("content-type", "application/json").end(body.encode());
  }
}
