package io.cachet.storage.gateway;

import io.cachet.common.http.ApiErrors;
import io.cachet.storage.BlobId;
import io.cachet.storage.Printable;
import io.cachet.storage.StorageException;
import io.cachet.storage.codec.BlobMetadata;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Walrus aggregator's blob routes over the local nodes, GET and HEAD alike: {@code
 * /v1/blobs/{id}} (with {@code Range: bytes=a-b}), {@code /v1/blobs/{id}/byte-range?start=S&length=L}
 * and {@code /v1/blobs/by-object-id/{id}}; and what every read of the gateway shares (the quilt
 * routes of {@link QuiltReads}, the concatenation of {@link BlobConcat}): download admission, the
 * success headers, the error answers, and the streaming of spans of blobs ({@link SpanStream}).
 * Every shard is verified before a byte of it is sent; HEAD answers from the metadata alone.
 *
 * <p>Bounds across reads: at most {@link GatewayConfig#maxConcurrentDownloads()} reads at once (from
 * the request to the end of its answer; more are answered 503 {@code TOO_MANY_DOWNLOADS} with
 * {@code Retry-After}), and every stripe fetched ahead is paid for from one {@link ReadAheadBudget}
 * before it is fetched and paid back once its bytes went out to the socket, so slow readers make
 * the others wait, never the heap grow. Event-loop confined (the gateway's context).
 */
final class Aggregator {
  private static final Logger LOG = LoggerFactory.getLogger(Aggregator.class);
  /** Seconds a reader turned away for too many downloads is told to wait. */
  static final int DOWNLOAD_RETRY_AFTER_SECONDS = 1;

  private final GatewayConfig config;
  private final StripeReader reader;
  private final GatewayMetrics metrics;
  private final ReadAheadBudget budget;
  private int downloads;

  Aggregator(GatewayConfig config, StripeReader reader, GatewayMetrics metrics) {
    this.config = config;
    this.reader = reader;
    this.metrics = metrics;
    this.budget = new ReadAheadBudget(config.readAheadBudgetBytes());
    metrics.readPath(() -> downloads, budget::inUse);
  }

  /**
   * Counts the read in until its answer is over, or answers 503 when the cap is reached. Admission
   * comes first, before the metadata lookup, because that lookup already costs the nodes' time.
   */
  boolean admit(RoutingContext ctx) {
    if (downloads >= config.maxConcurrentDownloads()) {
      metrics.downloadRefused();
      ctx.response().putHeader("Retry-After", Integer.toString(DOWNLOAD_RETRY_AFTER_SECONDS));
      ApiErrors.send(ctx, 503, "TOO_MANY_DOWNLOADS", "the gateway serves " + config.maxConcurrentDownloads()
          + " reads at once; try again shortly");
      return false;
    }
    downloads++;
    ctx.addEndHandler(ar -> downloads--);
    return true;
  }

  /** Sends {@code spans} after {@code successHeaders}, through the shared read-ahead budget. */
  void stream(RoutingContext ctx, List<SpanStream.Span> spans, Consumer<HttpServerResponse> successHeaders) {
    SpanStream.send(ctx, spans, successHeaders, reader, budget, metrics, config.readAhead());
  }

  StripeReader reader() {
    return reader;
  }

  ReadAheadBudget budget() {
    return budget;
  }

  /**
   * {@code GET} and {@code HEAD /v1/blobs/{id}}, whole or one {@code Range}: one set of checks, so
   * both answer alike; HEAD's headers come from the metadata alone, no stripe is read.
   */
  void read(RoutingContext ctx) {
    BlobId id = blobId(ctx);
    if (id == null || !ConsistencyFlags.check(ctx) || !admit(ctx)) {
      return;
    }
    String range = ctx.request().getHeader("Range");
    reader.metadata(id).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
        return;
      }
      BlobMetadata meta = ar.result().metadata();
      long size = meta.length();
      long[] span = range == null ? new long[] {0, size} : parseRange(range, size);
      if (span == null) {
        ctx.response().putHeader("Content-Range", "bytes */" + size);
        ApiErrors.send(ctx, 416, "INVALID_BYTE_RANGE", "range " + printable(range) + " does not fit a " + size
            + "-byte blob (closed ranges bytes=a-b only)");
        return;
      }
      boolean partial = range != null;
      answer(ctx, List.of(new SpanStream.Span(meta, span[0], span[1])), r -> {
        blobHeaders(r, "\"" + meta.blobId() + "\"", span[1] - span[0]).putHeader("Accept-Ranges", "bytes");
        if (partial) {
          r.setStatusCode(206).putHeader("Content-Range", "bytes " + span[0] + "-" + (span[1] - 1) + "/" + size);
        }
      });
    });
  }

  /**
   * {@code GET} and {@code HEAD /v1/blobs/{id}/byte-range?start=S&length=L}, checked as Walrus's
   * "Validation" says: {@code length} 0, {@code start + length} past 2^64, or a range not inside
   * the blob is {@code 400 INVALID_BYTE_RANGE}. The answer is a 200 (cacheable as a whole) whose
   * {@code ETag} names the blob and the range.
   */
  void byteRange(RoutingContext ctx) {
    BlobId id = blobId(ctx);
    if (id == null) {
      return;
    }
    long start;
    long length;
    try {
      start = Long.parseUnsignedLong(require(ctx, "start"));
      length = Long.parseUnsignedLong(require(ctx, "length"));
    } catch (NumberFormatException e) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "start and length must be integers from 0 to 2^64-1");
      return;
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", e.getMessage());
      return;
    }
    String asked = "bytes " + Long.toUnsignedString(start) + " + " + Long.toUnsignedString(length);
    if (length == 0) {
      ApiErrors.send(ctx, 400, "INVALID_BYTE_RANGE", "length must be greater than 0");
      return;
    }
    if (Long.compareUnsigned(start + length, start) < 0) {
      ApiErrors.send(ctx, 400, "INVALID_BYTE_RANGE", "start + length overflows (" + asked + ")");
      return;
    }
    if (!admit(ctx)) {
      return;
    }
    reader.metadata(id).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
        return;
      }
      BlobMetadata meta = ar.result().metadata();
      // start and length are unsigned: one past Long.MAX_VALUE reads as negative, and is past any blob
      if (start < 0 || length < 0 || start >= meta.length() || length > meta.length() - start) {
        ApiErrors.send(ctx, 400, "INVALID_BYTE_RANGE", asked + " are not inside the " + meta.length()
            + "-byte blob; ask for a range within [0, " + meta.length() + ")");
        return;
      }
      String etag = "\"" + meta.blobId() + "-" + start + "-" + length + "\"";
      answer(ctx, List.of(new SpanStream.Span(meta, start, start + length)), r -> blobHeaders(r, etag, length));
    });
  }

  /**
   * {@code GET} and {@code HEAD /v1/blobs/by-object-id/{id}}: Cachet keeps no Sui objects, so a
   * well-formed object id is {@code 404 BLOB_NOT_FOUND}; a malformed one is {@code 400}, as
   * Walrus refuses a path that does not parse as an object id.
   */
  void byObjectId(RoutingContext ctx) {
    String id = ctx.pathParam("objectId");
    if (!isObjectId(id)) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "'" + printable(id) + "' is not a Sui object id (0x and 1 to 64"
          + " hex digits, or 64 hex digits)");
      return;
    }
    ApiErrors.send(ctx, 404, "BLOB_NOT_FOUND", "this gateway has no Sui objects, so object " + id
        + " names no blob here; read the blob by its blob id: GET /v1/blobs/{blobId}");
  }

  /** Whether {@code text} parses as a Sui object id, as Walrus's {@code ObjectID::from_str} takes it. */
  static boolean isObjectId(String text) {
    return text != null && (text.matches("0[xX][0-9a-fA-F]{1,64}") || text.matches("[0-9a-fA-F]{64}"));
  }

  /** GET streams the spans; HEAD sends their headers alone. */
  void answer(RoutingContext ctx, List<SpanStream.Span> spans, Consumer<HttpServerResponse> successHeaders) {
    if (ctx.request().method() == HttpMethod.HEAD) {
      successHeaders.accept(ctx.response());
      ctx.response().end();
    } else {
      stream(ctx, spans, successHeaders);
    }
  }

  /**
   * The headers of every successful read, as Walrus's aggregator sends them, set only once the
   * first bytes are ready: an error answered before that must not carry the answer's {@code
   * Content-Length} (the reader would wait for bytes that never come) nor its day-long {@code
   * Cache-Control} (a cache would keep the error).
   */
  static HttpServerResponse blobHeaders(HttpServerResponse response, String etag, long length) {
    return response.setStatusCode(200)
        .putHeader("content-type", "application/octet-stream")
        .putHeader("content-length", Long.toString(length))
        .putHeader("ETag", etag)
        .putHeader("Cache-Control", "public, max-age=86400, stale-while-revalidate=3600")
        .putHeader("X-Content-Type-Options", "nosniff");
  }

  /** [start, end) of a closed {@code bytes=a-b} range (b clamped to the end), or null if unusable. */
  static long[] parseRange(String header, long size) {
    String h = header.trim();
    if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
      return null;
    }
    String spec = h.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash <= 0) {
      return null;
    }
    try {
      long a = Long.parseLong(spec.substring(0, dash).trim());
      String tail = spec.substring(dash + 1).trim();
      long b = tail.isEmpty() ? size - 1 : Long.parseLong(tail);
      if (a < 0 || b < a || a >= size) {
        return null;
      }
      return new long[] {a, Math.min(b, size - 1) + 1};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String require(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      throw new IllegalArgumentException("missing query parameter " + name);
    }
    return v;
  }

  private static BlobId blobId(RoutingContext ctx) {
    return blobId(ctx, "blobId");
  }

  /** The blob id in path parameter {@code name}, or null once a 400 is sent. */
  static BlobId blobId(RoutingContext ctx, String name) {
    try {
      return BlobId.parse(ctx.pathParam(name));
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", e.getMessage());
      return null;
    }
  }

  /** Text from a request, fit for a message ({@link Printable}). */
  static String printable(String text) {
    return Printable.of(text);
  }


  static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof StorageException se) {
      String reason = se.reason() == StorageException.Reason.UNAVAILABLE ? "BLOB_UNAVAILABLE" : se.reason().name();
      if (se.httpStatus() == 503) {
        ctx.response().putHeader("Retry-After", "1");
      }
      ApiErrors.send(ctx, se.httpStatus() == 0 ? 503 : se.httpStatus(), reason, se.getMessage());
    } else {
      LOG.error("read failed", e);
      ApiErrors.send(ctx, 500, "INTERNAL", "internal error");
    }
  }
}
