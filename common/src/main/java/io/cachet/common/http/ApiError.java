package io.cachet.common.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Optional;

/**
 * One error in the shape every Cachet HTTP API answers with, in the style of Google AIP-193 (as
 * Walrus uses): {@code {"error":{"code":409,"status":"FAILED_PRECONDITION","message":"...",
 * "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"BAD_NONCE",
 * "domain":"cachet.io"}]}}}. {@code reason} is the stable code a program switches on; {@code
 * message} is for people and is never parsed.
 *
 * @param code the HTTP status code
 * @param status the canonical status name ({@code NOT_FOUND}, ...)
 * @param reason the stable reason code
 * @param message one human sentence; never a file path or an internal exception's text
 */
public record ApiError(int code, String status, String reason, String message) {
  /** Largest error body a reader parses; anything longer is not an error body of ours. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private static final String ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo";
  private static final String DOMAIN = "cachet.io";

  public ApiError {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  /** An error with the canonical status name for {@code code}. */
  public static ApiError of(int code, String reason, String message) {
    return new ApiError(code, statusName(code), reason, message);
  }

  public JsonObject toJson() {
    return new JsonObject().put("error", new JsonObject()
        .put("code", code)
        .put("status", status)
        .put("message", message)
        .put("details", new JsonArray().add(new JsonObject()
            .put("@type", ERROR_INFO)
            .put("reason", reason)
            .put("domain", DOMAIN))));
  }

  public String encode() {
    return toJson().encode();
  }

  /**
   * Reads an error body. Tolerant the way a client must be of servers it does not control: unknown
   * fields are ignored, a missing reason becomes the status name, a missing status is derived from
   * {@code code}. Empty when the text is not an error body at all (an HTML page from a proxy, say).
   */
  public static Optional<ApiError> parse(String text, int httpStatus) {
    if (text == null || text.isEmpty() || text.length() > MAX_BODY_BYTES) {
      return Optional.empty();
    }
    try {
      Object root = io.vertx.core.json.Json.decodeValue(text);
      if (!(root instanceof JsonObject obj) || !(obj.getValue("error") instanceof JsonObject err)) {
        return Optional.empty();
      }
      int code = err.getValue("code") instanceof Number n ? n.intValue() : httpStatus;
      String status = err.getValue("status") instanceof String s ? s : statusName(code);
      String message = err.getValue("message") instanceof String m ? m : "";
      String reason = status;
      if (err.getValue("details") instanceof JsonArray details) {
        for (Object d : details) {
          if (d instanceof JsonObject detail && detail.getValue("reason") instanceof String r) {
            reason = r;
            break;
          }
        }
      }
      return Optional.of(new ApiError(code, status, reason, message));
    } catch (DecodeException | ClassCastException e) {
      return Optional.empty();
    }
  }

  /** The canonical status name for an HTTP code. */
  public static String statusName(int code) {
    return switch (code) {
      case 400 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 405 -> "METHOD_NOT_ALLOWED";
      case 408 -> "DEADLINE_EXCEEDED";
      case 409 -> "FAILED_PRECONDITION";
      case 413, 416 -> "OUT_OF_RANGE";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 451 -> "PERMISSION_DENIED";
      case 503 -> "UNAVAILABLE";
      case 504 -> "DEADLINE_EXCEEDED";
      default -> code >= 500 ? "INTERNAL" : "UNKNOWN";
    };
  }
}
