package io.cachet.client;

import io.cachet.common.http.ApiError;
import io.cachet.common.http.ApiErrors;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An overloaded key server on loopback: in front of a real one, it answers the first
 * {@code drops} fetches {@code 503 DEADLINE_EXCEEDED} with {@code Retry-After}, as a key server
 * whose queue outgrew its request deadline does, and passes everything else through unchanged.
 * It notes when each fetch arrived ({@link System#nanoTime}), so a test can see how long the
 * client waited before asking again.
 */
final class OverloadedKeyServerProxy implements AutoCloseable {
  private final HttpServer server;
  private final AtomicInteger dropped;
  private final List<Long> fetchArrivals;

  private OverloadedKeyServerProxy(HttpServer server, AtomicInteger dropped, List<Long> fetchArrivals) {
    this.server = server;
    this.dropped = dropped;
    this.fetchArrivals = fetchArrivals;
  }

  static OverloadedKeyServerProxy start(Vertx vertx, int keyServerPort, int drops) throws Exception {
    return start(vertx, keyServerPort, drops, "1");
  }

  /** As {@link #start(Vertx, int, int)}, its drops saying {@code Retry-After: retryAfter} (no such header when null). */
  static OverloadedKeyServerProxy start(Vertx vertx, int keyServerPort, int drops, String retryAfter)
      throws Exception {
    HttpClient client = vertx.createHttpClient();
    AtomicInteger dropped = new AtomicInteger();
    List<Long> fetchArrivals = new ArrayList<>();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/v1/fetch_key")) {
        synchronized (fetchArrivals) {
          fetchArrivals.add(System.nanoTime());
        }
      }
      req.body().onComplete(read -> {
        if (read.failed()) {
          req.response().setStatusCode(400).end();
          return;
        }
        if (req.path().equals("/v1/fetch_key") && dropped.getAndUpdate(n -> n < drops ? n + 1 : n) < drops) {
          if (retryAfter != null) {
            req.response().putHeader("Retry-After", retryAfter);
          }
          ApiErrors.send(req.response(), ApiError.of(503, "DEADLINE_EXCEEDED", "the request waited 2400 ms for a"
              + " worker after its body was received; this key server's request deadline is 2000 ms, so it was"
              + " dropped unread (the server is overloaded); retry shortly"));
          return;
        }
        client.request(req.method(), keyServerPort, "127.0.0.1", req.uri())
            .compose(out -> out.send(read.result()))
            .compose(in -> in.body().map(b -> {
              req.response().setStatusCode(in.statusCode());
              String type = in.getHeader("content-type");
              if (type != null) {
                req.response().putHeader("content-type", type);
              }
              return b;
            }))
            .onComplete(ar -> {
              if (ar.failed()) {
                req.response().setStatusCode(502).end();
              } else {
                req.response().end(ar.result());
              }
            });
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return new OverloadedKeyServerProxy(server, dropped, fetchArrivals);
  }

  /** When each fetch arrived, in {@link System#nanoTime} units, in order. */
  List<Long> fetchArrivals() {
    synchronized (fetchArrivals) {
      return List.copyOf(fetchArrivals);
    }
  }

  int port() {
    return server.actualPort();
  }

  /** Fetches answered {@code DEADLINE_EXCEEDED} so far. */
  int dropped() {
    return dropped.get();
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
