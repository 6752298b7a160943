package io.cachet.cli.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * What the identities and contacts routes take from a request: a JSON body, a passphrase out of
 * it, and values that become a command's arguments.
 *
 * <p>A passphrase becomes a {@code char[]} the moment it is read; the parsed field is removed and
 * the request's raw bytes are overwritten, so what remains of it is the short-lived String the JSON
 * parser made, which Java cannot zero. The caller zeroes the array.
 */
final class RouteInputs {
  /** The JSON field that carries a passphrase. */
  static final String PASSPHRASE = "passphrase";

  private RouteInputs() {}

  /** The request's JSON object, or null after answering {@code 400 BAD_JSON}. */
  static JsonObject bodyOrRefuse(RoutingContext ctx) {
    try {
      return ConsoleContext.body(ctx);
    } catch (DecodeException | ClassCastException e) {
      zeroBody(ctx);
      ConsoleAnswers.error(ctx, 400, "BAD_JSON", "the request's body is not a JSON object");
      return null;
    }
  }

  /** The passphrase in {@code body} as characters (empty when there is none); the caller zeroes them. */
  static char[] takePassphrase(RoutingContext ctx, JsonObject body) {
    Object value = body.remove(PASSPHRASE);
    zeroBody(ctx);
    return value instanceof String s ? s.toCharArray() : new char[0];
  }

  /**
   * Whether {@code value} may be handed to a command as an argument; if not, answers {@code 400}
   * with {@code reason} and returns false. A value starting with '-' would be read as an option
   * (such as {@code --home}), and no name or address starts with one, so it is refused with the
   * reason the command gives a malformed value.
   */
  static boolean argument(RoutingContext ctx, String value, String reason, String what) {
    if (value == null || value.isBlank()) {
      ConsoleAnswers.error(ctx, 400, reason, "give " + what);
      return false;
    }
    if (value.startsWith("-")) {
      ConsoleAnswers.error(ctx, 400, reason, "'" + value + "' is not " + what + ": it may not start with '-'");
      return false;
    }
    return true;
  }

  private static void zeroBody(RoutingContext ctx) {
    if (ctx.body() == null) {
      return;
    }
    Buffer raw = ctx.body().buffer();
    if (raw != null) {
      for (int i = 0; i < raw.length(); i++) {
        raw.setByte(i, (byte) 0);
      }
    }
  }
}
