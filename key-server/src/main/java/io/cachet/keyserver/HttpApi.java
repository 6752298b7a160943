package io.cachet.keyserver;

import io.cachet.common.http.ApiErrors;
import io.cachet.common.http.CorsPolicy;
import io.cachet.policy.server.StoredBlocksHandler;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The key server's HTTP API. One route table; handlers never block: a fetch body is handed to the
 * worker pool ({@link Releaser} does JSON, Ed25519 and HPKE there) through {@link CryptoQueue},
 * which drops it unread if it waited past the request deadline; the worker hands the decision's
 * audit events to the audit log's writer ({@link KeyServer#decide}), and the answer is sent once
 * they are recorded. Several instances of this verticle share the port, one per event loop.
 *
 * <pre>
 * GET  /v1/service     the signed service descriptor (current key version)
 * POST /v1/fetch_key   a FetchKeyRequest -> a FetchKeyResponse, or the one error shape
 * GET  /health         {"status": "serving" | "stale" | "failed", ...}, 503 unless serving
 * GET  /metrics        Prometheus text
 * </pre>
 *
 * <p>Pages of the origins in {@code cors-origins} may call the first two from a browser ({@link #CORS_ROUTES}).
 */
final class HttpApi extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpApi.class);
  private static final Set<String> ROUTES = Set.of("/v1/service", "/v1/fetch_key", "/health", "/metrics");

  /** What a web page may call across origins: the descriptor and a fetch, whose refusals it must read. */
  static final List<CorsPolicy.Route> CORS_ROUTES = List.of(
      CorsPolicy.Route.of("/v1/service", "GET"),
      CorsPolicy.Route.of("/v1/fetch_key", "POST").takes("Content-Type").exposes("Retry-After"));

  private final KeyServer server;
  private HttpServer http;

  HttpApi(KeyServer server) {
    this.server = server;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    ApiErrors.install(router);
    server.limits().install(router);
    server.config().cors().install(router, CORS_ROUTES);
    router.route().handler(this::measure);
    router.get("/v1/service").handler(this::service);
    router.post("/v1/fetch_key").handler(this::limitByClient);
    router.post("/v1/fetch_key").handler(BodyHandler.create(false).setBodyLimit(server.config().maxBodyBytes()));
    router.post("/v1/fetch_key").handler(this::fetchKey);
    if (server.ledger().store() != null) {
      // only the embedded ledger's followers keep blocks a sequencer can recover from
      router.get("/v1/blocks").handler(new StoredBlocksHandler(server.config().ledgerId(), server.ledger().store()));
    }
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4")
        .end(server.metrics().scrape()));
    HttpServerOptions options = new HttpServerOptions().setHost(server.config().host())
        .setPort(server.boundPort());
    return server.limits().createServer(options).requestHandler(router).listen().onSuccess(s -> http = s);
  }

  /**
   * On a stop, new connections are refused at once and requests in flight are answered (their
   * audit records forced first) for up to this long, then their connections are closed.
   */
  static final Duration STOP_GRACE = Duration.ofSeconds(10);

  @Override
  public Future<?> stop() {
    return http == null ? Future.succeededFuture() : http.shutdown(STOP_GRACE);
  }

  // ---------------------------------------------------------------- handlers

  private void measure(RoutingContext ctx) {
    long start = System.nanoTime();
    String path = ctx.request().path();
    String route = ROUTES.contains(path) ? path : "other";
    ctx.addEndHandler(v -> server.metrics().request(route, ctx.response().getStatusCode(), System.nanoTime() - start));
    ctx.next();
  }

  private void service(RoutingContext ctx) {
    ctx.response().putHeader("content-type", "application/json").end(server.descriptor().toJson());
  }

  /** Before the body is read: the client's request rate, and how much work is already in flight. */
  private void limitByClient(RoutingContext ctx) {
    long wait = server.perClient().tryAcquire(client(ctx), 1);
    if (wait > 0) {
      ctx.response().putHeader("Retry-After", Long.toString(wait));
      ApiErrors.send(ctx, 429, "RATE_LIMITED", "client " + client(ctx) + " is over its request rate; retry in "
          + wait + " s");
      return;
    }
    if (server.inFlight().incrementAndGet() > server.config().maxInFlight()) {
      server.inFlight().decrementAndGet();
      ctx.response().putHeader("Retry-After", "1");
      ApiErrors.send(ctx, 503, "OVERLOADED", "the key server is at its limit of "
          + server.config().maxInFlight() + " requests in flight; retry shortly");
      return;
    }
    ctx.addEndHandler(v -> server.inFlight().decrementAndGet());
    ctx.next();
  }

  private void fetchKey(RoutingContext ctx) {
    // the body is complete here: the request deadline counts from now
    long received = server.cryptoQueue().mark();
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      ApiErrors.send(ctx, 400, "MALFORMED", "the body must be a fetch_key request in JSON");
      return;
    }
    byte[] bytes = body.getBytes();
    String client = client(ctx);
    Context context = vertx.getOrCreateContext();
    CompletableFuture<Releaser.Result> recorded = server.decide(received, CryptoQueue.Stage.RECEIVED,
        () -> server.releaser().fetch(bytes, client), HttpApi::unread);
    // the event loop hears of the request again only once its outcome is recorded
    Future.fromCompletionStage(recorded, context)
        .compose(r -> r instanceof Releaser.Pending p ? afterLedgerWait(p, context) : Future.succeededFuture(r))
        .onComplete(outcome -> answer(ctx, client, outcome));
  }

  private static void answer(RoutingContext ctx, String client, AsyncResult<Releaser.Result> outcome) {
    if (outcome.failed()) {
      Throwable cause = outcome.cause() instanceof CompletionException c && c.getCause() != null ? c.getCause()
          : outcome.cause();
      if (cause instanceof IOException) {
        // the audit log stopped; its cause (a file, an I/O error) is in its own ERROR line, not in answers
        ApiErrors.send(ctx, 503, "AUDIT_UNAVAILABLE", "the decision could not be recorded in the audit log, so"
            + " nothing is released; the key server's operator must look at its log");
        return;
      }
      LOG.error("event=fetch_failed client={} reason=\"{}\"", client, cause.toString(), cause);
      ApiErrors.send(ctx, 500, "INTERNAL", "internal error");
      return;
    }
    Releaser.Result result = outcome.result();
    if (result instanceof Releaser.Answer a) {
      ctx.response().putHeader("content-type", "application/json").end(Buffer.buffer(a.json()));
    } else if (result instanceof Releaser.Refusal f) {
      if (f.retryAfterSeconds() > 0) {
        ctx.response().putHeader("Retry-After", Long.toString(f.retryAfterSeconds()));
      }
      ApiErrors.send(ctx, f.status(), f.reason(), f.message());
    }
  }

  /** A request dropped before it was read: nothing about it is known, so nothing is audited. */
  private static Releaser.Result unread(String message) {
    return new Releaser.Refusal(503, CryptoQueue.DEADLINE_EXCEEDED, message, CryptoQueue.RETRY_AFTER_SECONDS,
        List.of());
  }

  /**
   * Waits (holding no thread, within {@code ledger-wait}) for the follower to reach the height a
   * request signed, then has it decided or refused as behind. The request keeps its in-flight
   * slot meanwhile, so waits count against {@code max-in-flight}. The request deadline counts
   * again from the end of the wait: the wait is bounded on its own.
   */
  private Future<Releaser.Result> afterLedgerWait(Releaser.Pending pending, Context context) {
    long start = System.nanoTime();
    return server.ledgerWaits().await(pending.height(), server.config().ledgerWait())
        .compose(reached -> Future.fromCompletionStage(server.decide(server.cryptoQueue().mark(),
            CryptoQueue.Stage.AFTER_LEDGER_WAIT,
            () -> server.releaser().resume(pending, Duration.ofNanos(System.nanoTime() - start)),
            message -> server.releaser().overdue(pending, message)), context));
  }

  private void health(RoutingContext ctx) {
    KeyServer.Health h = server.health();
    ctx.response().setStatusCode(h.serving() ? 200 : 503).putHeader("content-type", "application/json")
        .end(h.json().encode());
  }

  private static String client(RoutingContext ctx) {
    String host = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().host();
    return host.length() > 64 ? host.substring(0, 64) : host;
  }
}
