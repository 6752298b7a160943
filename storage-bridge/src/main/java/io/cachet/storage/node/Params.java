package io.cachet.storage.node;

import io.cachet.storage.BlobId;
import io.cachet.storage.node.NodeException.Reason;
import java.util.regex.Pattern;

/** Parsing of the node API's path and query parameters; anything malformed is INVALID_ARGUMENT. */
final class Params {
  private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,9}");

  private Params() {}

  static String uploadId(String text) throws NodeException {
    if (text == null || !UPLOAD_ID.matcher(text).matches()) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "an upload id is 1..64 of [A-Za-z0-9_-]");
    }
    return text;
  }

  /** A stripe index: a non-negative decimal integer without leading zeros, at most 2^31 - 1. */
  static long stripe(String text) throws NodeException {
    long v = text != null && DECIMAL.matcher(text).matches() ? Long.parseLong(text) : -1;
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "a stripe index is a non-negative integer, got "
          + quote(text));
    }
    return v;
  }

  /** The {@code endEpoch} query parameter of a commit: a non-negative decimal integer. */
  static long endEpoch(String text) throws NodeException {
    if (text == null || !text.matches("0|[1-9][0-9]{0,17}")) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "a commit names its end epoch: ?endEpoch=E, a non-negative"
          + " integer, got " + quote(text));
    }
    return Long.parseLong(text);
  }

  /**
   * Refuses a JSON body where the node API (v2) takes bytes: the v1 commit and repair install
   * carried the metadata as base64 inside JSON, which a node no longer reads.
   */
  static void binaryBody(String contentType, String what) throws NodeException {
    if (contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new NodeException(Reason.UNSUPPORTED_FORMAT, what + " body is binary (application/octet-stream)"
          + " since node API v2; the v1 JSON body is not accepted");
    }
  }

  static BlobId blobId(String text) throws NodeException {
    try {
      return BlobId.parse(text);
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.INVALID_ARGUMENT, e.getMessage());
    }
  }

  /** An optional positive integer parameter no larger than {@code max}. */
  static int limit(String text, int fallback, int max) throws NodeException {
    if (text == null) {
      return fallback;
    }
    long v = DECIMAL.matcher(text).matches() ? Long.parseLong(text) : -1;
    if (v < 1 || v > max) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "limit must be 1.." + max + ", got " + quote(text));
    }
    return (int) v;
  }

  private static String quote(String text) {
    if (text == null) {
      return "nothing";
    }
    return "\"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
  }
}
