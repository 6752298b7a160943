package io.cachet.storage.gateway;

import io.cachet.common.http.ApiErrors;
import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.quilt.NotAQuiltException;
import io.cachet.storage.quilt.QuiltEntry;
import io.cachet.storage.quilt.QuiltFormatException;
import io.cachet.storage.quilt.QuiltIndex;
import io.cachet.storage.quilt.QuiltPatchId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Walrus's quilt read routes over Cachet quilts ({@link QuiltIndex}): a patch by its quilt patch id
 * or by its quilt's id and its identifier, and the list of a quilt's patches. GET and HEAD alike.
 *
 * <p>Order of the checks, each answered in the one error shape: a malformed patch or quilt id is
 * {@code 400 INVALID_ARGUMENT}; then the read is admitted like any download; a quilt not stored is
 * {@code 404 BLOB_NOT_FOUND}; a blob that does not begin with the quilt magic is {@code 400
 * NOT_A_QUILT}, one whose prefix is malformed or does not fit it {@code 400 INVALID_QUILT}; a patch
 * the quilt does not hold is {@code 404 QUILT_PATCH_NOT_FOUND}.
 *
 * <p>A patch is sent as {@code 200} with exactly its bytes, streamed through the same verified
 * stripe reading as a blob; {@code ETag} is the id in the URL (the patch id, or the quilt id),
 * {@code X-Quilt-Patch-Identifier} the identifier (its UTF-8 bytes as they are, as Walrus sends
 * them), and each tag whose key is one of {@link #TAG_HEADERS} becomes that header (a {@code
 * content-type} tag replaces {@code application/octet-stream}). A closed {@code Range: bytes=a-b}
 * reads part of the patch ({@code 206}, positions within the patch), as on the blob route.
 */
final class QuiltReads {
  /**
   * Tags sent as headers: Walrus's default allowed headers but {@code authorization}, which an
   * answer has no business carrying.
   */
  static final Set<String> TAG_HEADERS = Set.of("content-type", "content-disposition", "content-encoding",
      "content-language", "content-location", "link");
  static final String IDENTIFIER_HEADER = "X-Quilt-Patch-Identifier";

  private final Aggregator aggregator;
  private final QuiltIndexes indexes;

  QuiltReads(Aggregator aggregator, QuiltIndexes indexes) {
    this.aggregator = aggregator;
    this.indexes = indexes;
  }

  /** {@code /v1/blobs/by-quilt-patch-id/{patchId}}. */
  void byPatchId(RoutingContext ctx) {
    String text = ctx.pathParam("patchId");
    QuiltPatchId id;
    try {
      id = QuiltPatchId.parse(text);
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "'" + Aggregator.printable(text) + "' is not a quilt patch id: "
          + e.getMessage());
      return;
    }
    if (!id.isSinglePatch()) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "quilt patch id " + text + " spans " + id.start() + ".." + id.end()
          + ", as a Walrus quilt's columns do; a patch of this gateway's quilts is one position (end = start + 1)");
      return;
    }
    withIndex(ctx, id.quiltId(), (meta, parsed) -> {
      QuiltIndex index = parsed.index();
      if (id.index() >= index.size()) {
        ApiErrors.send(ctx, 404, "QUILT_PATCH_NOT_FOUND", "quilt " + id.quiltId() + " holds " + index.size()
            + " patches; patch " + id.index() + " is not one of them");
        return;
      }
      patch(ctx, meta, index, id.index(), text);
    });
  }

  /** {@code /v1/blobs/by-quilt-id/{quiltId}/{identifier}}, the identifier URL-decoded. */
  void byIdentifier(RoutingContext ctx) {
    BlobId quilt = Aggregator.blobId(ctx, "quiltId");
    if (quilt == null) {
      return;
    }
    String identifier = ctx.pathParam("identifier");
    withIndex(ctx, quilt, (meta, parsed) -> {
      QuiltIndex index = parsed.index();
      int at = index.indexOf(identifier);
      if (at < 0) {
        ApiErrors.send(ctx, 404, "QUILT_PATCH_NOT_FOUND", "quilt " + quilt + " holds no patch named '"
            + Aggregator.printable(identifier) + "'; GET /v1/quilts/" + quilt + "/patches lists them");
        return;
      }
      patch(ctx, meta, index, at, quilt.toString());
    });
  }

  /**
   * {@code /v1/quilts/{quiltId}/patches}: {@code [{"identifier", "patch_id", "tags"}, ...]} in quilt
   * order, the bytes built once with the index ({@link QuiltIndexes}), GET and HEAD alike.
   */
  void patches(RoutingContext ctx) {
    BlobId quilt = Aggregator.blobId(ctx, "quiltId");
    if (quilt == null) {
      return;
    }
    withIndex(ctx, quilt, (meta, parsed) -> {
      Buffer body = parsed.list();
      HttpServerResponse r = ctx.response().setStatusCode(200)
          .putHeader("content-type", "application/json")
          .putHeader("content-length", Integer.toString(body.length()))
          .putHeader("ETag", "\"" + quilt + "\"")
          .putHeader("Cache-Control", "public, max-age=86400, stale-while-revalidate=3600")
          .putHeader("X-Content-Type-Options", "nosniff");
      if (ctx.request().method() == HttpMethod.HEAD) {
        r.end();
      } else {
        r.end(body);
      }
    });
  }

  /** What to do with a quilt's verified metadata and parsed index. */
  private interface WithIndex {
    void accept(BlobMetadata meta, QuiltIndexes.Parsed parsed);
  }

  /** Admits the read, looks the quilt up and reads its index; answers any failure itself. */
  private void withIndex(RoutingContext ctx, BlobId quilt, WithIndex then) {
    if (!aggregator.admit(ctx)) {
      return;
    }
    aggregator.reader().metadata(quilt)
        .compose(known -> indexes.index(known.metadata()).map(parsed -> {
          then.accept(known.metadata(), parsed);
          return null;
        }))
        .onFailure(e -> failed(ctx, quilt, e));
  }

  private static void failed(RoutingContext ctx, BlobId quilt, Throwable e) {
    if (e instanceof NotAQuiltException) {
      ApiErrors.send(ctx, 400, "NOT_A_QUILT", "blob " + quilt + " is not a quilt: " + e.getMessage()
          + "; read it with GET /v1/blobs/" + quilt);
    } else if (e instanceof QuiltFormatException) {
      ApiErrors.send(ctx, 400, "INVALID_QUILT", "blob " + quilt + " begins like a quilt but is not a well-formed one: "
          + e.getMessage());
    } else {
      Aggregator.fail(ctx, e);
    }
  }

  /** Sends patch {@code at} (or the part a {@code Range} asks for), or its headers alone for HEAD. */
  private void patch(RoutingContext ctx, BlobMetadata meta, QuiltIndex index, int at, String etag) {
    QuiltEntry entry = index.entry(at);
    long start = index.dataOffset(at);
    long size = entry.length();
    String range = ctx.request().getHeader("Range");
    long[] part = range == null ? new long[] {0, size} : Aggregator.parseRange(range, size);
    if (part == null) {
      ctx.response().putHeader("Content-Range", "bytes */" + size);
      ApiErrors.send(ctx, 416, "INVALID_BYTE_RANGE", "range " + Aggregator.printable(range) + " does not fit the "
          + size + "-byte patch (closed ranges bytes=a-b only)");
      return;
    }
    Consumer<HttpServerResponse> headers = r -> {
      Aggregator.blobHeaders(r, "\"" + etag + "\"", part[1] - part[0]).putHeader("Accept-Ranges", "bytes")
          .putHeader(IDENTIFIER_HEADER, wire(entry.identifier()));
      tagHeaders(r, entry.tags());
      if (range != null) {
        r.setStatusCode(206).putHeader("Content-Range", "bytes " + part[0] + "-" + (part[1] - 1) + "/" + size);
      }
    };
    aggregator.answer(ctx, List.of(new SpanStream.Span(meta, start + part[0], start + part[1])), headers);
  }

  /** The allowed tags as headers; a value no header may carry (a control character) is left out. */
  private static void tagHeaders(HttpServerResponse r, Map<String, String> tags) {
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      String name = tag.getKey().toLowerCase(Locale.ROOT);
      if (TAG_HEADERS.contains(name) && headerSafe(tag.getValue())) {
        r.putHeader(name, wire(tag.getValue()));
      }
    }
  }

  private static boolean headerSafe(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
    }
    return !value.isEmpty();
  }

  /**
   * Text as a header's bytes on the wire: its UTF-8, one char per byte, since the HTTP codec writes
   * each char of a header as one byte. ASCII is unchanged.
   */
  private static String wire(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }
}
