package io.cachet.cli.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.regex.Pattern;

/**
 * What the console's routes take from a request: a JSON body, a passphrase out of it, and values
 * that become a command's arguments, each checked here, once, against the shape its field needs.
 *
 * <p>A value that does not have its shape is answered {@code 400} with a stable reason and the
 * method returns null (or false), so nothing from the page reaches a command line as an option
 * ({@code -...}), an argument file ({@code @FILE}) or a path on this machine.
 *
 * <p>A passphrase becomes a {@code char[]} the moment it is read; the parsed field is removed and
 * the request's raw bytes are overwritten, so what remains of it is the short-lived String the JSON
 * parser made, which Java cannot zero. The caller zeroes the array.
 */
final class RouteInputs {
  /** The JSON field that carries a passphrase. */
  static final String PASSPHRASE = "passphrase";
  /** The reason code of a policies value (id, member, time, duration) without the shape its field needs. */
  static final String BAD_ARGUMENT = "BAD_ARGUMENT";
  /** The reason code of a blob id without a blob id's shape. */
  static final String NOT_A_BLOB_ID = "NOT_A_BLOB_ID";
  /** The reason code of a share token without a share token's shape. */
  static final String NOT_A_TOKEN = "NOT_A_TOKEN";
  /** The reason code of a devnet part's name without a part's shape. */
  static final String BAD_PART = "BAD_PART";
  /** The reason code of an upload's epochs that are not a whole number of at least 1. */
  static final String BAD_EPOCHS = "BAD_EPOCHS";
  /** The reason code of an upload's file name that is too long or holds control characters. */
  static final String BAD_FILE_NAME = "BAD_NAME";

  /** A policy id or an address: {@code 0x} and hex digits (the command checks the length). */
  private static final Pattern HEX_ID = Pattern.compile("0x[0-9a-fA-F]{1,128}");
  /**
   * The name of an identity or a contact: the rule {@code IdentityStore} and {@code ContactStore}
   * apply, so the page cannot pass a name the stores would refuse.
   */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
  /** A duration as {@code policy grant --for} reads it. */
  private static final Pattern DURATION = Pattern.compile("\\+?\\d{1,9}(ms|s|m|h|d)");
  /** A blob id: 43 characters of URL-safe base64. */
  private static final Pattern BLOB_ID = Pattern.compile("[A-Za-z0-9_-]{43}");
  /** A share token as {@code cachet share} makes them, and no longer than the command takes. */
  private static final Pattern TOKEN = Pattern.compile("cachet1\\.[A-Za-z0-9_-]{1,65536}");
  /** A part's name as the devnet spells it ({@code ks-2}, {@code node-0}): never an option or a path. */
  private static final Pattern PART = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  /** Digits of an upload's {@code epochs}. */
  private static final Pattern EPOCHS = Pattern.compile("[1-9][0-9]{0,8}");
  /** Longest name an upload may record in the index. */
  static final int MAX_FILE_NAME_CHARS = 255;
  /** How much of a refused value an error message repeats. */
  private static final int SHOWN_CHARS = 80;

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

  /** A policy id or an address ({@code 0x} and hex), or null after answering {@code 400 BAD_ARGUMENT}. */
  static String hexId(RoutingContext ctx, String text, String what) {
    if (text == null || !HEX_ID.matcher(text).matches()) {
      badArgument(ctx, what + " must be 0x and hex digits, was '" + shortText(text) + "'");
      return null;
    }
    return text;
  }

  /**
   * A member, admin or new owner: an address, or the name of an identity or a contact (stripped);
   * null after answering {@code 400 BAD_ARGUMENT}.
   */
  static String who(RoutingContext ctx, String text) {
    if (text == null || text.isBlank()) {
      badArgument(ctx, "who: give the name of an identity or a contact, or an address (0x...)");
      return null;
    }
    String t = text.strip();
    if (!HEX_ID.matcher(t).matches() && !NAME.matcher(t).matches()) {
      badArgument(ctx, "who: '" + shortText(t) + "' is neither a name (1 to 32 of a-z, 0-9, '_', '-') nor an"
          + " address (0x and hex digits)");
      return null;
    }
    return t;
  }

  /**
   * An instant as the command reads it (ISO-8601 UTC), from an ISO-8601 text or epoch milliseconds;
   * null after answering {@code 400 BAD_ARGUMENT} when it is neither (or null without answering when
   * it is absent).
   */
  static String instant(RoutingContext ctx, Object value, String field) {
    if (value == null) {
      return null;
    }
    try {
      if (value instanceof Number n) {
        return Instant.ofEpochMilli(n.longValue()).toString();
      }
      if (value instanceof String s) {
        return OffsetDateTime.parse(s.strip()).toInstant().toString();
      }
    } catch (DateTimeException | ArithmeticException e) {
      // answered below
    }
    badArgument(ctx, field + ": '" + shortText(String.valueOf(value)) + "' is not a time (ISO-8601 with a zone, such"
        + " as 2026-12-01T09:00:00Z, or epoch milliseconds)");
    return null;
  }

  /** A duration ({@code 90s}, {@code 2h}), or null after answering {@code 400 BAD_ARGUMENT}. */
  static String duration(RoutingContext ctx, Object value, String field) {
    if (!(value instanceof String d) || !DURATION.matcher(d).matches()) {
      badArgument(ctx, field + ": a duration is a number and a unit (90s, 10m, 2h, 30d)");
      return null;
    }
    return d;
  }

  /** A blob id, or null after answering {@code 400 NOT_A_BLOB_ID}. */
  static String blobId(RoutingContext ctx, String text) {
    if (text == null || !BLOB_ID.matcher(text).matches()) {
      ConsoleAnswers.error(ctx, 400, NOT_A_BLOB_ID, "a blob id is 43 characters of letters, digits, - and _");
      return null;
    }
    return text;
  }

  /** A share token (stripped), or null after answering {@code 400 NOT_A_TOKEN}. */
  static String token(RoutingContext ctx, String text) {
    if (text == null || !TOKEN.matcher(text.strip()).matches()) {
      ConsoleAnswers.error(ctx, 400, NOT_A_TOKEN, "paste the whole share token, starting with cachet1.");
      return null;
    }
    return text.strip();
  }

  /** A devnet part's name, or null after answering {@code 400 BAD_PART}. */
  static String part(RoutingContext ctx, String text) {
    if (text == null || !PART.matcher(text).matches()) {
      ConsoleAnswers.error(ctx, 400, BAD_PART, "a part is named like ks-2 or node-0");
      return null;
    }
    return text;
  }

  /**
   * An upload's epochs (stripped), "" when none was given (the network's default), or null after
   * answering {@code 400 BAD_EPOCHS}.
   */
  static String epochs(RoutingContext ctx, String text) {
    if (text == null || text.isBlank()) {
      return "";
    }
    if (!EPOCHS.matcher(text.strip()).matches()) {
      ConsoleAnswers.error(ctx, 400, BAD_EPOCHS, "epochs is a whole number, 1 or more (or empty for the network's"
          + " default)");
      return null;
    }
    return text.strip();
  }

  /**
   * The name an upload records in the index (stripped; {@code upload} when none was given), or null
   * after answering {@code 400 BAD_NAME}. It goes to the command as {@code --name=VALUE}, so any
   * printable text is a value.
   */
  static String fileName(RoutingContext ctx, String text) {
    String name = text == null || text.isBlank() ? "upload" : text.strip();
    if (name.length() > MAX_FILE_NAME_CHARS || name.chars().anyMatch(Character::isISOControl)) {
      ConsoleAnswers.error(ctx, 400, BAD_FILE_NAME, "a file's name is at most " + MAX_FILE_NAME_CHARS
          + " characters, none of them control characters");
      return null;
    }
    return name;
  }

  /** Answers {@code 400 BAD_ARGUMENT} with {@code message}. */
  static void badArgument(RoutingContext ctx, String message) {
    ConsoleAnswers.error(ctx, 400, BAD_ARGUMENT, message);
  }

  /** A value from the page, cut short for an error message. */
  static String shortText(String text) {
    String t = String.valueOf(text);
    return t.length() <= SHOWN_CHARS ? t : t.substring(0, SHOWN_CHARS) + "…";
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
