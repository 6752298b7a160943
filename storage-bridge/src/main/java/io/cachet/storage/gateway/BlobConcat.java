package io.cachet.storage.gateway;

import io.cachet.common.http.ApiError;
import io.cachet.common.http.ApiErrors;
import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1alpha/blobs/concat?ids=a,b,c} and {@code POST /v1alpha/blobs/concat} with {@code
 * {"ids":[...]}}: Walrus's concatenation of blobs, streamed one after another in the order asked.
 *
 * <p>Unlike Walrus, which finds a missing blob only when it reaches it mid-stream, every id is
 * looked up first: a malformed id is {@code 400 INVALID_ID_FORMAT}, an object id {@code 404
 * OBJECT_ID_RESOLUTION_FAILED} (Cachet has no Sui objects), a blob not stored {@code 404
 * BLOB_NOT_FOUND} naming it, all before a byte goes out; the sizes come from the verified metadata,
 * so the answer carries {@code Content-Length} (their sum). The whole answer takes one download slot
 * and streams through the shared read-ahead budget like any read. The {@code ETag} is Walrus's: the
 * URL-safe base64 of SHA-256 over the ids as given, joined by commas.
 */
final class BlobConcat {
  /** Most ids one concatenation may name. */
  static final int MAX_IDS = 1_000;
  /** Largest POST body: {@link #MAX_IDS} quoted ids and the two flags, with room for whitespace. */
  static final int MAX_BODY_BYTES = 128 << 10;
  /** Metadata lookups one concatenation has under way at once. */
  private static final int LOOKUPS_AT_ONCE = 8;
  /** How long, and for how many more bytes, a refused body is read before its connection closes. */
  private static final long LINGER_MILLIS = 2_000;
  private static final long LINGER_BYTES = 1 << 20;
  private static final Set<String> BODY_FIELDS = Set.of("ids", ConsistencyFlags.STRICT, ConsistencyFlags.SKIP);

  private final Aggregator aggregator;

  BlobConcat(Aggregator aggregator) {
    this.aggregator = aggregator;
  }

  /** GET and HEAD: the ids comma-separated in {@code ids} (blank items dropped, as Walrus does). */
  void byQuery(RoutingContext ctx) {
    List<String> given = ctx.queryParam("ids");
    if (given.size() != 1) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "give the blob ids once, comma-separated: ?ids=a,b,c");
      return;
    }
    if (!ConsistencyFlags.check(ctx)) {
      return;
    }
    List<String> ids = new ArrayList<>();
    for (String item : given.get(0).split(",", -1)) {
      if (!item.isBlank()) {
        ids.add(item.strip());
      }
    }
    concat(ctx, ids);
  }

  /**
   * POST: {@code {"ids":[...], "strict_consistency_check"?, "skip_consistency_check"?}}, nothing
   * else. The body is read up to {@link #MAX_BODY_BYTES}; a larger one (announced or sent) is
   * refused {@code 413} with a lingering close, so the client reads the answer instead of a reset.
   */
  void byBody(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String declared = request.getHeader("Content-Length");
    if (declared != null && !declared.matches("[0-9]{1,18}")) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "Content-Length must be a number of bytes");
      return;
    }
    if (declared != null && Long.parseLong(declared) > MAX_BODY_BYTES) {
      tooLarge(ctx);
      return;
    }
    Buffer body = Buffer.buffer();
    boolean[] refused = {false};
    request.handler(chunk -> {
      if (refused[0]) {
        return;
      }
      body.appendBuffer(chunk);
      if (body.length() > MAX_BODY_BYTES) {
        refused[0] = true;
        tooLarge(ctx);
      }
    });
    request.endHandler(v -> {
      if (!refused[0]) {
        withBody(ctx, body);
      }
    });
    request.resume();
  }

  private static void tooLarge(RoutingContext ctx) {
    ApiErrors.refuseAndLinger(ctx, ApiError.of(413, "TOO_LARGE", "a concatenation's body takes at most "
        + MAX_BODY_BYTES + " bytes; name at most " + MAX_IDS + " blobs"), LINGER_MILLIS, LINGER_BYTES);
  }

  private void withBody(RoutingContext ctx, Buffer raw) {
    JsonObject body;
    try {
      body = new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    if (body == null) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "the body must be a JSON object {\"ids\":[\"<blob id>\", ...]}");
      return;
    }
    for (String field : body.fieldNames()) {
      if (!BODY_FIELDS.contains(field)) {
        ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "unknown field '" + Aggregator.printable(field)
            + "'; the body takes ids, " + ConsistencyFlags.STRICT + " and " + ConsistencyFlags.SKIP);
        return;
      }
    }
    Object rawIds = body.getValue("ids");
    if (!(rawIds instanceof JsonArray array) || !array.stream().allMatch(String.class::isInstance)) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "ids must be an array of blob id strings");
      return;
    }
    Boolean strict = optionalFlag(ctx, body, ConsistencyFlags.STRICT);
    Boolean skip = strict == null ? null : optionalFlag(ctx, body, ConsistencyFlags.SKIP);
    if (skip == null || !ConsistencyFlags.check(ctx, strict, skip)) {
      return;
    }
    List<String> ids = new ArrayList<>();
    array.forEach(id -> ids.add((String) id));
    concat(ctx, ids);
  }

  /** A boolean-or-null field (false when absent or null), or null once a 400 is sent. */
  private static Boolean optionalFlag(RoutingContext ctx, JsonObject body, String name) {
    Object v = body.getValue(name);
    if (v == null || v instanceof Boolean) {
      return Boolean.TRUE.equals(v);
    }
    ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", name + " must be true, false or null");
    return null;
  }

  private void concat(RoutingContext ctx, List<String> ids) {
    if (ids.isEmpty()) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "at least one blob id must be given");
      return;
    }
    if (ids.size() > MAX_IDS) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", ids.size() + " ids asked for; one concatenation takes at most "
          + MAX_IDS + ", so split the request");
      return;
    }
    List<BlobId> blobs = new ArrayList<>(ids.size());
    for (String id : ids) {
      BlobId blob = parse(ctx, id);
      if (blob == null) {
        return;
      }
      blobs.add(blob);
    }
    if (!aggregator.admit(ctx)) {
      return;
    }
    String etag = "\"" + etag(ids) + "\"";
    lookUpAll(blobs).onComplete(ar -> {
      if (ar.failed()) {
        Aggregator.fail(ctx, ar.cause());
        return;
      }
      List<SpanStream.Span> spans = new ArrayList<>(blobs.size());
      long total = 0;
      for (BlobMetadata meta : ar.result()) {
        spans.add(new SpanStream.Span(meta, 0, meta.length()));
        total += meta.length();
      }
      long length = total;
      aggregator.answer(ctx, spans, r -> Aggregator.blobHeaders(r, etag, length));
    });
  }

  /** The blob id, or null once the 400 (malformed) or 404 (a Sui object id) is sent. */
  private static BlobId parse(RoutingContext ctx, String id) {
    try {
      return BlobId.parse(id);
    } catch (IllegalArgumentException e) {
      if (Aggregator.isObjectId(id)) {
        ApiErrors.send(ctx, 404, "OBJECT_ID_RESOLUTION_FAILED", "failed to resolve object ID " + id
            + ": this gateway has no Sui objects; name the blob by its blob id");
      } else {
        ApiErrors.send(ctx, 400, "INVALID_ID_FORMAT", "invalid ID format: '" + Aggregator.printable(id)
            + "' is neither a blob id (43 characters of URL-safe base64) nor an object id");
      }
      return null;
    }
  }

  /**
   * Every blob's verified metadata, in order, {@link #LOOKUPS_AT_ONCE} lookups at a time; fails with
   * the first failure (a missing blob's {@code BLOB_NOT_FOUND} names it).
   */
  private Future<List<BlobMetadata>> lookUpAll(List<BlobId> blobs) {
    Lookups lookups = new Lookups(blobs);
    for (int w = 0; w < Math.min(LOOKUPS_AT_ONCE, blobs.size()); w++) {
      lookups.next();
    }
    return lookups.done.future();
  }

  /** The lookups of one concatenation; event-loop confined. */
  private final class Lookups {
    private final List<BlobId> blobs;
    private final BlobMetadata[] found;
    private final Promise<List<BlobMetadata>> done = Promise.promise();
    private int next;
    private int finished;

    Lookups(List<BlobId> blobs) {
      this.blobs = blobs;
      this.found = new BlobMetadata[blobs.size()];
    }

    /**
     * Starts lookups until one has to wait; a cached one completes at once, so this loops rather
     * than recurses (a thousand cached ids would otherwise nest a thousand calls deep).
     */
    void next() {
      while (next < blobs.size() && !done.future().isComplete()) {
        int i = next++;
        Future<StripeReader.Known> lookup = aggregator.reader().metadata(blobs.get(i));
        if (!lookup.isComplete()) {
          lookup.onComplete(ar -> {
            record(i, ar.succeeded() ? ar.result() : null, ar.cause());
            next();
          });
          return;
        }
        record(i, lookup.succeeded() ? lookup.result() : null, lookup.cause());
      }
    }

    private void record(int i, StripeReader.Known known, Throwable failure) {
      if (done.future().isComplete()) {
        return;
      }
      if (known == null) {
        done.fail(failure);
        return;
      }
      found[i] = known.metadata();
      if (++finished == blobs.size()) {
        done.complete(List.of(found));
      }
    }
  }

  /** Walrus's concatenation ETag: URL-safe base64 (no padding) of SHA-256 over the ids joined by commas. */
  static String etag(List<String> ids) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.join(",", ids)
          .getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is in every JDK", e);
    }
  }
}
