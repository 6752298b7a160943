package io.cachet.cli.console;

import io.cachet.cli.ExitCodes;
import io.cachet.common.http.ApiError;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * How the console's API answers: a command's JSON document as it is on success, and on failure the
 * one error shape of every Cachet HTTP API ({@link ApiError}) carrying the command's reason and
 * message, plus what a page shows beside them: the command's {@code hint} (what to do) and, for a
 * refusal, each key server's outcome ({@code servers}), exactly as {@code --json} gives them.
 */
public final class ConsoleAnswers {
  /** The reason code of a request that found every command thread busy. */
  public static final String BUSY = "BUSY";
  /** Seconds a refused-as-busy page is asked to wait before it tries again. */
  static final String BUSY_RETRY_SECONDS = "1";

  private ConsoleAnswers() {}

  /** The HTTP status a command's exit code maps to. */
  static int httpStatus(int exit) {
    return switch (exit) {
      case ExitCodes.OK -> 200;
      case ExitCodes.FAILED -> 409;
      case ExitCodes.USAGE -> 400;
      case ExitCodes.REFUSED -> 403;
      case ExitCodes.IO -> 502;
      default -> 500;
    };
  }

  /** Answers a finished run: its document on success, else its error in the one shape. */
  public static void send(RoutingContext ctx, ConsoleRuns.Result run) {
    if (run.ok()) {
      ctx.response().putHeader("content-type", "application/json").end(run.out().isBlank() ? "{}" : run.out());
      return;
    }
    JsonObject cli = run.error();
    if (cli == null) {
      error(ctx, ApiError.of(httpStatus(run.exit()), ExitCodes.name(run.exit()), firstLine(run.err())), null, null);
      return;
    }
    error(ctx, ApiError.of(httpStatus(run.exit()), cli.getString("reason", ExitCodes.name(run.exit())),
        cli.getString("message", "the command failed")), cli.getString("hint"), cli.getJsonArray("servers"));
  }

  public static void json(RoutingContext ctx, Object document) {
    String text = document instanceof JsonObject o ? o.encode()
        : document instanceof JsonArray a ? a.encode() : String.valueOf(document);
    ctx.response().putHeader("content-type", "application/json").end(text);
  }

  /**
   * A command the console could not run: {@code 503 BUSY} with {@code Retry-After} when every command
   * thread was busy, otherwise (a bug) {@code 500 INTERNAL}, naming only the failure's kind.
   */
  public static void failed(RoutingContext ctx, Throwable cause) {
    if (cause instanceof CommandPool.Full) {
      ctx.response().putHeader("Retry-After", BUSY_RETRY_SECONDS);
      error(ctx, 503, BUSY, "the console is running as many commands as it may; try again in a moment");
      return;
    }
    error(ctx, 500, "INTERNAL", "the console failed to run the command (" + cause.getClass().getSimpleName() + ")");
  }

  /** An error of the console's own: {@code code}, a stable reason, one sentence. */
  public static void error(RoutingContext ctx, int code, String reason, String message) {
    error(ctx, ApiError.of(code, reason, message), null, null);
  }

  /**
   * The one error shape, with the page's extras inside its {@code error} object: {@code hint}
   * (what to do) and {@code servers} (each key server's outcome), when there are any.
   */
  public static void error(RoutingContext ctx, ApiError error, String hint, JsonArray servers) {
    error(ctx.response(), error, hint, servers);
  }

  /** As {@link #error(RoutingContext, ApiError, String, JsonArray)}, where there is no routing context yet. */
  static void error(HttpServerResponse response, ApiError error, String hint, JsonArray servers) {
    if (response.ended()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    JsonObject body = error.toJson();
    JsonObject inner = body.getJsonObject("error");
    inner.put("reason", error.reason());
    if (hint != null) {
      inner.put("hint", hint);
    }
    if (servers != null) {
      inner.put("servers", servers);
    }
    response.setStatusCode(error.code()).putHeader("content-type", "application/json").end(body.encode());
  }

  private static String firstLine(String text) {
    String t = text == null ? "" : text.strip();
    int nl = t.indexOf('\n');
    t = nl < 0 ? t : t.substring(0, nl);
    return t.isEmpty() ? "the command failed and said nothing" : t.replaceFirst("^cachet: ", "");
  }
}
