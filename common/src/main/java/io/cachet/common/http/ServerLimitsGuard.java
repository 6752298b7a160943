package io.cachet.common.http;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one server up under slow and greedy clients by enforcing its {@link ServerLimits}. One
 * guard per server, shared by all of that server's verticle instances (the counts are per server,
 * not per event loop). A server applies it in two places:
 *
 * <pre>
 * HttpServer http = guard.createServer(options);   // idle timeout, connection cap, head deadline
 * guard.install(router);                            // in-flight cap and body deadline, first route
 * http.requestHandler(router).listen(...);
 * </pre>
 *
 * <h2>What it guarantees</h2>
 *
 * <ul>
 *   <li>A connection on which nothing moves for {@code idleTimeout} is closed (by Vert.x).
 *   <li>A connection whose next request head is not complete within {@code headTimeout} of its
 *       opening, or of the end of its previous answer, is closed without an answer: nothing has
 *       been read that an answer could refer to.
 *   <li>A request whose body is not complete within {@code bodyTimeout} of its head, extended by
 *       one second per {@code minBodyBytesPerSecond} bytes received, is answered {@code 408
 *       REQUEST_TIMEOUT} in the one error shape and its connection closed. Time the handler
 *       itself spends with the request paused counts too; the byte credit is what lets a long
 *       upload absorb such pauses.
 *   <li>A remote address holds at most {@code maxConnectionsPerAddress} connections: one over is
 *       closed as soon as it is accepted, before anything is read.
 *   <li>A remote address has at most {@code maxInFlightPerAddress} requests being served: one over
 *       is answered {@code 429 TOO_MANY_REQUESTS} with {@code Retry-After}, before its body is read.
 * </ul>
 *
 * <p>No address is exempt: the caps are set high enough for a devnet whose parts all talk over
 * loopback. Threads: a connection's timers and counters are touched only on its event loop; the
 * per-address counts are shared maps ({@link ServerLimitsSlots}).
 */
public final class ServerLimitsGuard {
  private static final Logger LOG = LoggerFactory.getLogger(ServerLimitsGuard.class);

  /** Seconds a refused client is told to wait before it tries again. */
  public static final int RETRY_AFTER_SECONDS = 1;
  /**
   * The guard's route runs before every route of the server; only {@link CorsPolicy}'s headers
   * ({@link CorsPolicy#HEADERS_ORDER}) come before it, so its refusals reach a page that may read them.
   */
  public static final int ROUTE_ORDER = Integer.MIN_VALUE + 1;
  /** Longest a refused request's connection stays open to drop the rest of its body. */
  public static final long LINGER_MILLIS = 2_000;
  /** Most body bytes read and dropped after a refusal before the connection is closed anyway. */
  public static final long LINGER_BYTES = 1 << 20;
  /** At most one warning per kind of refusal in this many nanoseconds; the rest are counted. */
  private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

  private final Vertx vertx;
  private final ServerLimits limits;
  private final String server;
  private final ServerLimitsSlots connections = new ServerLimitsSlots();
  private final ServerLimitsSlots inFlight = new ServerLimitsSlots();
  private final Map<HttpConnection, Watch> watches = new ConcurrentHashMap<>();
  private final LongAdder refusedConnections = new LongAdder();
  private final LongAdder refusedRequests = new LongAdder();
  private final LongAdder headTimeouts = new LongAdder();
  private final LongAdder bodyTimeouts = new LongAdder();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

  /**
   * @param server names the server in log lines ({@code key-server ks1}, {@code ledger}, ...)
   */
  public ServerLimitsGuard(Vertx vertx, ServerLimits limits, String server) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.server = Objects.requireNonNull(server, "server");
  }

  public ServerLimits limits() {
    return limits;
  }

  // ---------------------------------------------------------------- applying it

  /**
   * An HTTP server with the limits' options applied to {@code options} and this guard watching
   * its connections. Call it from the verticle that will listen, so the server runs on its loop.
   */
  public HttpServer createServer(HttpServerOptions options) {
    return vertx.createHttpServer(limits.apply(options)).connectionHandler(this::accept);
  }

  /** Installs the in-flight cap and the body deadline as the router's first route. */
  public void install(Router router) {
    router.route().order(ROUTE_ORDER).handler(this::admit);
  }

  /**
   * A route handler allowing each remote address {@code cap} requests at once on the routes it
   * guards (uploads, say); more are answered {@code 429} with {@code reason} and {@code
   * Retry-After}. Share the returned handler among a server's instances.
   *
   * @param what names the guarded work in the answer ("uploads")
   */
  public Handler<RoutingContext> perAddressSlots(int cap, String reason, String what) {
    if (cap < 1) {
      throw new IllegalArgumentException("a per-address cap on " + what + " must be at least 1, was " + cap);
    }
    ServerLimitsSlots slots = new ServerLimitsSlots();
    return ctx -> {
      String address = address(ctx.request().remoteAddress());
      if (!slots.tryAcquire(address, cap)) {
        refusedRequests.increment();
        warn("slot_refused", address, what);
        ctx.response().putHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
        refuse(ctx, ApiError.of(429, reason, "this client already has " + cap + " " + what
            + " in progress; retry when one ends"));
        return;
      }
      ctx.addEndHandler(ar -> slots.release(address));
      ctx.next();
    };
  }

  // ---------------------------------------------------------------- what it has done

  /** Connections open now, from every address. */
  public int openConnections() {
    return connections.total();
  }

  /** Requests being served now, from every address. */
  public int inFlight() {
    return inFlight.total();
  }

  /** Connections closed at accept because their address was at its cap. */
  public long refusedConnections() {
    return refusedConnections.sum();
  }

  /** Requests answered 429 because their address was at a cap. */
  public long refusedRequests() {
    return refusedRequests.sum();
  }

  /** Connections closed because their first request head did not arrive in time. */
  public long headTimeouts() {
    return headTimeouts.sum();
  }

  /** Requests answered 408 because their body did not arrive in time. */
  public long bodyTimeouts() {
    return bodyTimeouts.sum();
  }

  // ---------------------------------------------------------------- connections

  private void accept(HttpConnection conn) {
    String address = address(conn.remoteAddress());
    if (!connections.tryAcquire(address, limits.maxConnectionsPerAddress())) {
      refusedConnections.increment();
      warn("connection_refused", address, "connections");
      conn.close();
      return;
    }
    Watch watch = new Watch(conn);
    watches.put(conn, watch);
    conn.closeHandler(v -> {
      watches.remove(conn);
      watch.closed();
      connections.release(address);
    });
    watch.armHead();
  }

  /**
   * One open connection's head deadline. It runs while no request of the connection is being
   * served: from the accept, and again from the end of each answer.
   */
  private final class Watch {
    private final HttpConnection conn;
    private int active;
    private long served;
    private long headTimer = -1;
    private boolean closed;

    Watch(HttpConnection conn) {
      this.conn = conn;
    }

    void armHead() {
      headTimer = vertx.setTimer(limits.headTimeout().toMillis(), id -> {
        headTimer = -1;
        if (!closed && active == 0) {
          if (served == 0) {
            headTimeouts.increment();
            warn("head_timeout", address(conn.remoteAddress()), "request heads");
          } else {
            // most often a client's idle keep-alive connection: routine, not worth a warning
            LOG.debug("event=keepalive_closed server=\"{}\" client={}", server, address(conn.remoteAddress()));
          }
          conn.close();
        }
      });
    }

    void requestBegins() {
      active++;
      cancelHead();
    }

    void requestEnds() {
      active--;
      served++;
      if (active == 0 && !closed) {
        armHead();
      }
    }

    void closed() {
      closed = true;
      cancelHead();
    }

    private void cancelHead() {
      if (headTimer >= 0) {
        vertx.cancelTimer(headTimer);
        headTimer = -1;
      }
    }
  }

  // ---------------------------------------------------------------- requests

  private void admit(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Watch watch = watches.get(request.connection());
    if (watch != null) {
      watch.requestBegins();
      ctx.addEndHandler(ar -> watch.requestEnds());
    }
    String address = address(request.remoteAddress());
    if (!inFlight.tryAcquire(address, limits.maxInFlightPerAddress())) {
      refusedRequests.increment();
      warn("request_refused", address, "requests in flight");
      ctx.response().putHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
      refuse(ctx, ApiError.of(429, "TOO_MANY_REQUESTS", "this client already has "
          + limits.maxInFlightPerAddress() + " requests in flight; retry when one is answered"));
      return;
    }
    BodyDeadline deadline = request.isEnded() ? null : new BodyDeadline(ctx);
    // the router runs end handlers when the answer ends and also when the connection closes first
    ctx.addEndHandler(ar -> {
      inFlight.release(address);
      if (deadline != null) {
        deadline.cancel();
      }
    });
    ctx.next();
  }

  /** The deadline of one request body: checked when it falls due, moved on by the bytes received. */
  private final class BodyDeadline {
    private final RoutingContext ctx;
    private final long startNanos = System.nanoTime();
    private long timer;

    BodyDeadline(RoutingContext ctx) {
      this.ctx = ctx;
      this.timer = vertx.setTimer(limits.bodyTimeout().toMillis(), id -> check());
    }

    private void check() {
      timer = -1;
      HttpServerRequest request = ctx.request();
      if (request.isEnded() || ctx.response().ended()) {
        return;
      }
      long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
      long allowedMillis = limits.bodyTimeout().toMillis() + credit(request.bytesRead());
      if (elapsedMillis < allowedMillis) {
        timer = vertx.setTimer(allowedMillis - elapsedMillis, id -> check());
        return;
      }
      bodyTimeouts.increment();
      warn("body_timeout", address(request.remoteAddress()), "request bodies");
      refuse(ctx, ApiError.of(408, "REQUEST_TIMEOUT", "the request body did not arrive in time (after "
          + request.bytesRead() + " bytes); send it faster or in smaller requests"));
    }

    private long credit(long bytes) {
      int rate = limits.minBodyBytesPerSecond();
      return rate == 0 ? 0 : Math.min(ServerLimits.MAX_TIMEOUT.toMillis(), bytes * 1000 / rate);
    }

    void cancel() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }

  private static void refuse(RoutingContext ctx, ApiError error) {
    MultiMap headers = ctx.response().headers();
    if (headers.contains("Access-Control-Allow-Origin") && headers.contains("Retry-After")) {
      // the page was let in by CorsPolicy; it must read when to try again, whatever the route exposes
      String exposed = headers.get("Access-Control-Expose-Headers");
      if (exposed == null || exposed.isBlank()) {
        headers.set("Access-Control-Expose-Headers", "Retry-After");
      } else if (!List.of(exposed.toLowerCase(Locale.ROOT).split("\\s*,\\s*")).contains("retry-after")) {
        headers.set("Access-Control-Expose-Headers", exposed + ", Retry-After");
      }
    }
    ApiErrors.refuseAndLinger(ctx, error, LINGER_MILLIS, LINGER_BYTES);
  }

  // ---------------------------------------------------------------- helpers

  private static String address(SocketAddress remote) {
    if (remote == null) {
      return "unknown";
    }
    String host = remote.hostAddress() != null ? remote.hostAddress() : remote.host();
    return host == null ? "unknown" : host;
  }

  /** One warning per interval, whatever the kind, so an attack cannot flood the log. */
  private void warn(String event, String address, String what) {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
      LOG.warn("event=limit_{} server=\"{}\" client={} limit=\"{}\" refusedConnections={} refusedRequests={}"
          + " headTimeouts={} bodyTimeouts={}", event, server, address, what, refusedConnections.sum(),
          refusedRequests.sum(), headTimeouts.sum(), bodyTimeouts.sum());
    } else {
      LOG.debug("event=limit_{} server=\"{}\" client={}", event, server, address);
    }
  }
}
