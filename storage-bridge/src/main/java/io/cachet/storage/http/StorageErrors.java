package io.cachet.storage.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The AIP-193 error shape on the storage side's HTTP APIs (nodes and gateway), with Walrus's
 * status codes and reasons: {@code {"error":{"code":404,"status":"NOT_FOUND","message":"...",
 * "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"BLOB_NOT_FOUND",
 * "domain":"cachet.io"}]}}}. The ledger's ApiErrors writes the same shape; this module may not
 * import it (the storage side depends on nothing of ours), hence this small twin.
 */
public final class StorageErrors {
  private StorageErrors() {}

  public static JsonObject body(int code, String reason, String message) {
    return new JsonObject().put("error", new JsonObject()
        .put("code", code)
        .put("status", status(code))
        .put("message", message)
        .put("details", new JsonArray().add(new JsonObject()
            .put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
            .put("reason", reason)
            .put("domain", "cachet.io"))));
  }

  public static void send(RoutingContext ctx, int code, String reason, String message) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      if (!ctx.response().ended()) {
        ctx.response().reset();
      }
      return;
    }
    ctx.response()
        .setStatusCode(code)
        .putHeader("content-type", "application/json")
        .end(body(code, reason, message).encode());
  }

  public static void install(Router router) {
    router.errorHandler(400, ctx -> send(ctx, 400, "INVALID_ARGUMENT", "malformed request"));
    router.errorHandler(404, ctx -> send(ctx, 404, "NOT_FOUND", "no such resource: " + ctx.request().path()));
    router.errorHandler(405, ctx -> send(ctx, 405, "METHOD_NOT_ALLOWED",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> send(ctx, 413, "TOO_LARGE", "request body exceeds the limit"));
    router.errorHandler(500, ctx -> send(ctx, 500, "INTERNAL", "internal error"));
  }

  static String status(int code) {
    return switch (code) {
      case 400 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 405 -> "METHOD_NOT_ALLOWED";
      case 409 -> "FAILED_PRECONDITION";
      case 413 -> "OUT_OF_RANGE";
      case 416 -> "OUT_OF_RANGE";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 451 -> "PERMISSION_DENIED";
      case 503 -> "UNAVAILABLE";
      case 504 -> "DEADLINE_EXCEEDED";
      default -> code >= 500 ? "INTERNAL" : "UNKNOWN";
    };
  }
}
