package io.cachet.common.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes the one error shape ({@link ApiError}) on a Vert.x response. Every server of Cachet (key
 * server, ledger, storage node, gateway) answers its errors through here.
 */
public final class ApiErrors {
  private ApiErrors() {}

  public static void send(RoutingContext ctx, int code, String reason, String message) {
    send(ctx.response(), ApiError.of(code, reason, message));
  }

  public static void send(RoutingContext ctx, ApiError error) {
    send(ctx.response(), error);
  }

  /**
   * Sends {@code error}, unless the answer has begun already: then the only honest signal left is
   * to reset the stream, so the client sees a broken transfer rather than a truncated success.
   */
  public static void send(HttpServerResponse response, ApiError error) {
    if (response.ended()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response
        .setStatusCode(error.code())
        .putHeader("content-type", "application/json")
        .end(error.encode());
  }

  /**
   * Refuses a request whose body may still be arriving: answers {@code error} and, if the body is
   * not all read, says {@code Connection: close}, reads and drops what the client still sends, and
   * closes at the body's end, after {@code maxBytes} or after {@code maxMillis}, whichever comes
   * first. Closing at once, with bytes unread or still arriving, makes the kernel reset the
   * connection, and the client's copy of the answer is discarded with it; not closing at all would
   * keep the connection for the rest of the body, which is what a slow client wants. An answer
   * already under way can only be cut: the connection is closed.
   */
  public static void refuseAndLinger(RoutingContext ctx, ApiError error, long maxMillis, long maxBytes) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.headWritten()) {
      request.connection().close();
      return;
    }
    boolean unread = !request.isEnded();
    if (unread) {
      response.putHeader("connection", "close");
    }
    response.setStatusCode(error.code()).putHeader("content-type", "application/json").end(error.encode());
    if (unread) {
      linger(ctx.vertx(), request, maxMillis, maxBytes);
    }
  }

  private static void linger(Vertx vertx, HttpServerRequest request, long maxMillis, long maxBytes) {
    HttpConnection conn = request.connection();
    long timer = vertx.setTimer(maxMillis, t -> conn.close());
    Runnable close = () -> {
      vertx.cancelTimer(timer);
      conn.close();
    };
    long[] dropped = {0};
    try {
      request.handler(chunk -> {
        dropped[0] += chunk.length();
        if (dropped[0] > maxBytes) {
          close.run();
        }
      });
      request.endHandler(v -> close.run());
      request.exceptionHandler(e -> close.run());
      request.resume();
    } catch (IllegalStateException alreadyRead) {
      close.run();
    }
  }

  /**
   * Sends the one error shape for failures the router itself raises (400, 404, 405, 413, 500). The
   * 500 answer never carries the failure's text: it may name files or internals.
   */
  public static void install(Router router) {
    router.errorHandler(400, ctx -> send(ctx, 400, "INVALID_ARGUMENT", "malformed request"));
    router.errorHandler(404, ctx -> send(ctx, 404, "NOT_FOUND", "no such resource: " + ctx.request().path()));
    router.errorHandler(405, ctx -> send(ctx, 405, "METHOD_NOT_ALLOWED",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> send(ctx, 413, "TOO_LARGE", "request body exceeds the limit"));
    router.errorHandler(500, ctx -> send(ctx, 500, "INTERNAL", "internal error"));
  }
}
