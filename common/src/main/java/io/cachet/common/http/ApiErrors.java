package io.cachet.common.http;

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
