package io.cachet.storage.walrus;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what publishers and aggregators answer, tolerantly: unknown fields are ignored, optional
 * ones may be missing, and every key is looked up in camelCase first, then in snake_case (the
 * Walrus OpenAPI file shows snake_case although the servers write camelCase). Fields the store
 * relies on must have the right type; anything else that does not read as a Walrus answer is a
 * {@link Reason#PROTOCOL} failure naming the offending path.
 *
 * <p>Nothing here throws anything but {@link StorageException}: bodies come from the network and
 * are never trusted. Server text quoted in messages is cut short and stripped of control
 * characters, so a hostile body can neither flood a log nor forge log lines.
 */
final class WalrusAnswers {
  private WalrusAnswers() {}

  /** How much of a server's text a message quotes. */
  static final int MAX_QUOTED_CHARS = 300;

  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** The four shapes of a publisher's answer; exactly one key is present. */
  private static final List<String> STORE_KEYS = List.of("newlyCreated", "alreadyCertified", "markedInvalid", "error");

  /** "10485760 bytes", "10 MiB", "10MB": a size a 413 message may state. */
  private static final String SIZE = "(\\d[\\d,_]*(?:\\.\\d+)?)\\s*(bytes?|[KMGT]i?B)\\b";
  /** A size right after "limit", "maximum" or "max": the one a 413 means when it states several. */
  private static final Pattern LIMIT = Pattern.compile("(?:limit|maximum|max)\\W{0,3}(?:\\w+\\W{1,3}){0,3}?" + SIZE,
      Pattern.CASE_INSENSITIVE);
  private static final Pattern ANY_SIZE = Pattern.compile(SIZE, Pattern.CASE_INSENSITIVE);

  // ---------------------------------------------------------------- publisher answers

  /**
   * The result a publisher's 2xx answer reports.
   *
   * @param sentBytes the bytes the upload sent, checked against the size the answer states; -1 to skip
   * @throws StorageException PROTOCOL when the body is no Walrus answer; the mapped reason for
   *     {@code markedInvalid} and {@code error} answers
   */
  static StoreResult storeResult(int status, byte[] body, long sentBytes) throws StorageException {
    return storeResult(status, parse(status, body, "publisher answer"), sentBytes);
  }

  /** As {@link #storeResult(int, byte[], long)}, of an answer already read as a JSON object. */
  static StoreResult storeResult(int status, JsonNode root, long sentBytes) throws StorageException {
    String key = onlyStoreKey(status, root);
    JsonNode value = field(root, key);
    switch (key) {
      case "newlyCreated" -> {
        JsonNode blob = object(status, value, "newlyCreated", "blobObject");
        String path = "newlyCreated.blobObject";
        BlobId id = blobId(status, blob, path + ".blobId");
        long size = optionalU64(status, blob, path, "size");
        JsonNode storage = object(status, blob, path, "storage");
        long endEpoch = u64(status, storage, path + ".storage", "endEpoch");
        String objectId = optionalText(status, blob, path, "id");
        long cost = optionalU64(status, value, "newlyCreated", "cost");
        if (sentBytes >= 0 && size >= 0 && size != sentBytes) {
          throw new StorageException(Reason.INTEGRITY, status, "publisher stored blob " + id + " as " + size
              + " bytes, but " + sentBytes + " bytes were sent");
        }
        return new StoreResult(id, size, endEpoch, false, objectId, cost);
      }
      case "alreadyCertified" -> {
        requireObject(status, value, "alreadyCertified");
        BlobId id = blobId(status, value, "alreadyCertified.blobId");
        long endEpoch = u64(status, value, "alreadyCertified", "endEpoch");
        // "object" names the caller's own deletable blob; "event" carries only the certifying event.
        String objectId = optionalText(status, value, "alreadyCertified", "object");
        return new StoreResult(id, -1, endEpoch, true, objectId, -1);
      }
      case "markedInvalid" -> throw markedInvalid(status, value);
      default -> throw errorAnswer(status, value, "publisher");
    }
  }

  // ---------------------------------------------------------------- failures

  /**
   * What a non-2xx answer says went wrong. Never throws: a body that is not JSON, or JSON of an
   * unknown shape, still yields an exception with a reason taken from the status.
   *
   * @param what the request, for the message ("store", "read of blob ...")
   * @param truncated whether {@code body} is only the start of a longer body
   */
  static StorageException failure(int status, byte[] body, boolean truncated, String what) {
    JsonNode root = null;
    if (!truncated && body.length > 0) {
      try {
        root = JSON.readTree(body);
      } catch (IOException e) {
        root = null;
      }
    }
    if (root != null && root.isObject()) {
      JsonNode error = field(root, "error");
      if (error != null && error.isObject()) {
        return errorAnswer(status, error, what);
      }
      JsonNode invalid = field(root, "markedInvalid");
      if (invalid != null) {
        return markedInvalid(status, invalid);
      }
    }
    String text = quote(new String(body, StandardCharsets.UTF_8));
    Reason reason = reasonForStatus(status);
    StringBuilder m = new StringBuilder(what).append(" failed: HTTP ").append(status);
    if (!text.isEmpty()) {
      m.append(": ").append(text).append(truncated ? "..." : "");
    } else {
      // a bodiless answer (a HEAD's, or a proxy's) still says what the status means
      m.append(" ").append(reason);
      if (status == 404) {
        m.append(": the blob is not stored (or has expired)");
      }
    }
    if (status == 413) {
      m.append(tooLargeNote(text));
    }
    return new StorageException(reason, status, m.toString());
  }

  /** Either error shape under the "error" key: AIP-193 or the publisher's own {failurePhase, errorMsg}. */
  private static StorageException errorAnswer(int status, JsonNode error, String what) {
    if (error == null || !error.isObject()) {
      return new StorageException(Reason.PROTOCOL, status, what + " answered an \"error\" that is not an object");
    }
    String failurePhase = lenientText(field(error, "failurePhase"));
    String errorMsg = lenientText(field(error, "errorMsg"));
    if (failurePhase != null || errorMsg != null) {
      String blobId = lenientText(field(error, "blobId"));
      Reason reason = status >= 200 && status < 300 ? Reason.INTERNAL : reasonForStatus(status);
      return new StorageException(reason, status, what + " failed"
          + (status >= 300 ? ": HTTP " + status : "")
          + (failurePhase == null ? "" : " in phase " + quote(failurePhase))
          + (blobId == null ? "" : " for blob " + quote(blobId))
          + ": " + (errorMsg == null ? "no message" : quote(errorMsg)));
    }
    String statusText = lenientText(field(error, "status"));
    String message = lenientText(field(error, "message"));
    List<String> reasons = detailReasons(field(error, "details"));
    Reason reason = null;
    for (String r : reasons) {
      reason = reasonForDetail(r);
      if (reason != null) {
        break;
      }
    }
    if (reason == null) {
      reason = status >= 200 && status < 300 ? reasonForStatusText(statusText) : reasonForStatus(status);
    }
    StringBuilder m = new StringBuilder(what).append(" failed: HTTP ").append(status);
    if (statusText != null) {
      m.append(' ').append(quote(statusText));
    }
    if (!reasons.isEmpty()) {
      m.append(" (").append(quote(String.join(", ", reasons))).append(')');
    }
    m.append(": ").append(message == null ? "no message" : quote(message));
    if (status == 413) {
      m.append(tooLargeNote(message == null ? "" : message));
    }
    return new StorageException(reason, status, m.toString());
  }

  private static StorageException markedInvalid(int status, JsonNode value) {
    String blobId = value == null ? null : lenientText(field(value, "blobId"));
    return new StorageException(Reason.INTEGRITY, status, "publisher reports blob "
        + (blobId == null ? "(id not given)" : quote(blobId))
        + " marked invalid: its encoding is inconsistent and it will not be readable");
  }

  /** Says the limit a 413 states, or that it stated none. */
  private static String tooLargeNote(String message) {
    Matcher m = LIMIT.matcher(message);
    if (m.find()) {
      return " (limit: " + m.group(1) + " " + m.group(2) + ")";
    }
    Matcher any = ANY_SIZE.matcher(message);
    if (any.find()) {
      String size = any.group(1) + " " + any.group(2);
      if (!any.find()) {
        return " (limit: " + size + ")";
      }
    }
    return " (the server did not state its limit; Walrus publishers default to 10 MiB)";
  }

  private static List<String> detailReasons(JsonNode details) {
    List<String> out = new ArrayList<>();
    if (details != null && details.isArray()) {
      for (JsonNode d : details) {
        String r = d.isObject() ? lenientText(field(d, "reason")) : null;
        if (r != null && out.size() < 4) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** The Walrus ErrorInfo reasons and the AIP-193 status names, to ours; null for an unknown one. */
  static Reason reasonForDetail(String reason) {
    return switch (reason.toUpperCase(Locale.ROOT)) {
      case "BLOB_NOT_FOUND", "NOT_FOUND", "QUILT_PATCH_NOT_FOUND" -> Reason.BLOB_NOT_FOUND;
      case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "INVALID_BLOB_ID", "INVALID_PARAMETER" -> Reason.INVALID_ARGUMENT;
      case "UNAUTHENTICATED", "UNAUTHORIZED" -> Reason.UNAUTHENTICATED;
      case "SIZE_EXCEEDED", "BLOB_TOO_LARGE" -> Reason.SIZE_EXCEEDED;
      case "TOO_LARGE", "PAYLOAD_TOO_LARGE", "BODY_TOO_LARGE" -> Reason.TOO_LARGE;
      case "INVALID_BYTE_RANGE", "INVALID_RANGE", "RANGE_NOT_SATISFIABLE" -> Reason.INVALID_BYTE_RANGE;
      case "RESOURCE_EXHAUSTED", "RATE_LIMITED", "TOO_MANY_REQUESTS" -> Reason.RATE_LIMITED;
      case "FORBIDDEN_BLOB", "BLOB_BLOCKED" -> Reason.FORBIDDEN_BLOB;
      case "INTERNAL", "INTERNAL_ERROR" -> Reason.INTERNAL;
      case "BLOB_UNAVAILABLE", "UNAVAILABLE" -> Reason.UNAVAILABLE;
      case "INSUFFICIENT_CONFIRMATIONS" -> Reason.INSUFFICIENT_CONFIRMATIONS;
      default -> null;
    };
  }

  /** The table of walrus-http-api: what each status means when the body does not say more. */
  static Reason reasonForStatus(int status) {
    return switch (status) {
      case 400 -> Reason.INVALID_ARGUMENT;
      case 401 -> Reason.UNAUTHENTICATED;
      case 403 -> Reason.SIZE_EXCEEDED;
      case 404 -> Reason.BLOB_NOT_FOUND;
      case 413 -> Reason.TOO_LARGE;
      case 416 -> Reason.INVALID_BYTE_RANGE;
      case 429 -> Reason.RATE_LIMITED;
      case 451 -> Reason.FORBIDDEN_BLOB;
      case 503 -> Reason.UNAVAILABLE;
      case 504 -> Reason.INSUFFICIENT_CONFIRMATIONS;
      default -> status >= 500 ? Reason.INTERNAL : status >= 400 ? Reason.INVALID_ARGUMENT : Reason.PROTOCOL;
    };
  }

  private static Reason reasonForStatusText(String statusText) {
    Reason r = statusText == null ? null : reasonForDetail(statusText);
    return r == null ? Reason.INTERNAL : r;
  }

  // ---------------------------------------------------------------- JSON helpers

  static JsonNode parse(int status, byte[] body, String what) throws StorageException {
    JsonNode root = parseAny(status, body, what);
    if (!root.isObject()) {
      throw protocol(status, what + " is a JSON " + root.getNodeType().name().toLowerCase(Locale.ROOT)
          + ", not an object");
    }
    return root;
  }

  /** Any JSON document, not empty; PROTOCOL if it does not parse. */
  static JsonNode parseAny(int status, byte[] body, String what) throws StorageException {
    if (body.length == 0) {
      throw protocol(status, what + " is empty");
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JacksonException e) {
      throw new StorageException(Reason.PROTOCOL, status, what + " is not JSON: "
          + quote(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw new StorageException(Reason.PROTOCOL, status, what + " could not be read: " + quote(e.getMessage()), e);
    }
    if (root == null || root.isMissingNode()) {
      throw protocol(status, what + " is empty");
    }
    return root;
  }

  private static String onlyStoreKey(int status, JsonNode root) throws StorageException {
    List<String> present = new ArrayList<>();
    for (String key : STORE_KEYS) {
      if (field(root, key) != null) {
        present.add(key);
      }
    }
    if (present.size() == 1) {
      return present.get(0);
    }
    if (present.isEmpty()) {
      throw protocol(status, "publisher answer has none of " + String.join(", ", STORE_KEYS)
          + "; its keys: " + quote(keys(root)));
    }
    throw protocol(status, "publisher answer has more than one of its exclusive keys: " + present);
  }

  private static String keys(JsonNode root) {
    List<String> names = new ArrayList<>();
    Iterator<String> it = root.fieldNames();
    while (it.hasNext() && names.size() < 8) {
      names.add(it.next());
    }
    return names.isEmpty() ? "none" : String.join(", ", names) + (it.hasNext() ? ", ..." : "");
  }

  /** The field by its camelCase name, else by its snake_case name; null when absent or JSON null. */
  static JsonNode field(JsonNode object, String camel) {
    JsonNode v = object.get(camel);
    if (v == null || v.isNull()) {
      v = object.get(snake(camel));
    }
    return v == null || v.isNull() ? null : v;
  }

  static String snake(String camel) {
    StringBuilder s = new StringBuilder(camel.length() + 4);
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (Character.isUpperCase(c)) {
        s.append('_').append(Character.toLowerCase(c));
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }

  private static void requireObject(int status, JsonNode value, String path) throws StorageException {
    if (!value.isObject()) {
      throw protocol(status, path + " is not an object");
    }
  }

  private static JsonNode object(int status, JsonNode parent, String path, String name) throws StorageException {
    requireObject(status, parent, path);
    JsonNode v = field(parent, name);
    if (v == null) {
      throw protocol(status, path + "." + name + " is missing");
    }
    requireObject(status, v, path + "." + name);
    return v;
  }

  private static BlobId blobId(int status, JsonNode parent, String path) throws StorageException {
    JsonNode v = field(parent, "blobId");
    if (v == null) {
      throw protocol(status, path + " is missing");
    }
    if (!v.isTextual()) {
      throw protocol(status, path + " is not a string");
    }
    try {
      return BlobId.parse(v.textValue());
    } catch (IllegalArgumentException e) {
      throw protocol(status, path + " is not a blob id: " + quote(v.textValue()));
    }
  }

  private static long u64(int status, JsonNode parent, String path, String name) throws StorageException {
    long v = optionalU64(status, parent, path, name);
    if (v < 0) {
      throw protocol(status, path + "." + name + " is missing");
    }
    return v;
  }

  /**
   * A non-negative integer that fits a long, or -1 when absent. Accepts a JSON number or a string
   * of digits (Sui prints u64 values as strings in some places).
   */
  private static long optionalU64(int status, JsonNode parent, String path, String name) throws StorageException {
    JsonNode v = field(parent, name);
    if (v == null) {
      return -1;
    }
    if (v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0) {
      return v.longValue();
    }
    if (v.isTextual() && v.textValue().matches("[0-9]{1,18}")) {
      return Long.parseLong(v.textValue());
    }
    throw protocol(status, path + "." + name + " is not a non-negative 64-bit integer: " + quote(v.toString()));
  }

  private static String optionalText(int status, JsonNode parent, String path, String name) throws StorageException {
    JsonNode v = field(parent, name);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw protocol(status, path + "." + name + " is not a string");
    }
    return v.textValue();
  }

  /** Text for a message: a string as is, a number or boolean printed, anything else ignored. */
  private static String lenientText(JsonNode v) {
    if (v == null) {
      return null;
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    return v.isValueNode() ? v.asText() : null;
  }

  static StorageException protocol(int status, String message) {
    return new StorageException(Reason.PROTOCOL, status, message);
  }

  /** Server text made safe to print: control characters replaced, cut to {@link #MAX_QUOTED_CHARS}. */
  static String quote(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder s = new StringBuilder(Math.min(text.length(), MAX_QUOTED_CHARS) + 3);
    for (int i = 0; i < text.length() && s.length() < MAX_QUOTED_CHARS; i++) {
      char c = text.charAt(i);
      s.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? ' ' : c);
    }
    if (text.length() > MAX_QUOTED_CHARS) {
      s.append("...");
    }
    return s.toString().strip();
  }
}
