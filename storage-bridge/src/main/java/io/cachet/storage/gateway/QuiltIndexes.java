package io.cachet.storage.gateway;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.gateway.SpanStream.Span;
import io.cachet.storage.quilt.NotAQuiltException;
import io.cachet.storage.quilt.QuiltEntry;
import io.cachet.storage.quilt.QuiltFormatException;
import io.cachet.storage.quilt.QuiltIndex;
import io.cachet.storage.quilt.QuiltPatchId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The parsed indexes of quilts, read from the nodes once and kept: a quilt is a blob, and a blob
 * never changes, so an index parsed once holds for as long as the blob is stored (a reader looks the
 * blob's metadata up first, so an expired quilt is never answered from here).
 *
 * <p>Reading one: its first {@link QuiltIndex#HEAD_BYTES} (magic and index length), then the whole
 * prefix, which {@link QuiltIndex#prefixLength} bounds by {@link QuiltIndex#MAX_INDEX_BYTES} and
 * which must fit in the blob, then, on a worker, {@link QuiltIndex#parse}, the check that the
 * index's {@link QuiltIndex#quiltLength()} is the blob's length, and the patch list's JSON (the body
 * of {@code GET /v1/quilts/{id}/patches}, built once here and never on the event loop). Every byte
 * comes verified through the same stripe reading as any read, and every read is paid for from the
 * shared read-ahead budget with {@link SpanStream}'s own measure per stripe: the head as one stripe,
 * the prefix in one draw that covers its buffer, the stripes read at once, and a bound on what
 * parsing it and its list may take ({@link #parseBound}). One draw per step, so a reader never holds
 * part of the budget while it waits for more. Readers of one quilt whose index is being read share
 * that read.
 *
 * <p>The cache is a least-recently-used map bounded in entries ({@link #MAX_ENTRIES}) and in an
 * estimate of the heap its entries hold ({@link #MAX_BYTES}, by {@link #heapCost}: entries,
 * strings, maps and the list's bytes, not the prefix's length, which a tag-heavy index outweighs
 * many times). It also remembers refusals (the blob is no quilt, its index is malformed) for {@link
 * #REFUSAL_NANOS}, so a hostile blob costs one read from the nodes per that time, not one per
 * request; a failure to read (nodes unavailable) is not remembered. Event-loop confined except the
 * work on the worker.
 */
final class QuiltIndexes {
  /** Most quilt indexes and refusals kept. */
  static final int MAX_ENTRIES = 1_024;
  /** Most heap the kept indexes, their lists and refusals may take, by {@link #heapCost}'s estimate. */
  static final long MAX_BYTES = 64L << 20;
  /** How long a refusal is remembered. */
  static final long REFUSAL_NANOS = TimeUnit.SECONDS.toNanos(60);
  /** Stripes of a prefix read at once. */
  private static final int STRIPES_AT_ONCE = 8;
  /** Heap per patch besides its strings: its record, map, the lookup's node and Integer, its offset. */
  static final long PATCH_HEAP = 320;
  /** Heap per tag besides its strings: a tree-map entry, two string headers (twice while parsing). */
  static final long TAG_HEAP = 160;
  /**
   * Heap per prefix byte a parse may hold at its peak: the prefix three times (the read buffer, its
   * array, the canonical re-encoding), its strings as UTF-16 (two), and the list's JSON, where a
   * control character in a tag value takes six bytes.
   */
  private static final long PARSE_HEAP_PER_PREFIX_BYTE = 12;
  /** Smallest index bytes of a patch (lengths and a 1-byte identifier) and of a tag (lengths and a 1-byte key). */
  private static final int MIN_PATCH_BYTES = 13;
  private static final int MIN_TAG_BYTES = 5;
  /** Heap charged for a remembered refusal besides its message. */
  private static final long REFUSAL_HEAP = 256;

  /** A quilt's parsed index and its patch list's JSON, as kept. */
  record Parsed(QuiltIndex index, Buffer list, long heapCost) {}

  /** What is kept for one blob: its index, or why it is refused until {@code untilNanos}. */
  private record Kept(Parsed parsed, QuiltFormatException refusal, long cost, long untilNanos) {}

  private final Vertx vertx;
  private final StripeReader reader;
  private final ReadAheadBudget budget;
  private final LongSupplier nanoTime;
  private final Map<BlobId, Kept> cache = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<BlobId, Future<Parsed>> reading = new HashMap<>();
  private long cachedBytes;

  QuiltIndexes(Vertx vertx, StripeReader reader, ReadAheadBudget budget) {
    this(vertx, reader, budget, System::nanoTime);
  }

  QuiltIndexes(Vertx vertx, StripeReader reader, ReadAheadBudget budget, LongSupplier nanoTime) {
    this.vertx = vertx;
    this.reader = reader;
    this.budget = budget;
    this.nanoTime = nanoTime;
  }

  /**
   * The index of the quilt whose verified metadata is {@code meta}, with its patch list. Fails with
   * {@link NotAQuiltException} when the blob is no quilt, {@link QuiltFormatException} when its
   * prefix is malformed or does not fit the blob, or the stripe reading's failure.
   */
  Future<Parsed> index(BlobMetadata meta) {
    BlobId id = meta.blobId();
    Kept kept = cache.get(id);
    if (kept != null) {
      if (kept.parsed() != null) {
        return Future.succeededFuture(kept.parsed());
      }
      if (nanoTime.getAsLong() - kept.untilNanos() < 0) {
        return Future.failedFuture(kept.refusal());
      }
      forget(id);
    }
    Future<Parsed> underWay = reading.get(id);
    if (underWay != null) {
      return underWay;
    }
    Future<Parsed> read = read(meta).onComplete(ar -> {
      reading.remove(id);
      if (ar.succeeded()) {
        keep(id, new Kept(ar.result(), null, ar.result().heapCost(), 0));
      } else if (ar.cause() instanceof QuiltFormatException refusal) {
        long cost = REFUSAL_HEAP + 2L * String.valueOf(refusal.getMessage()).length();
        keep(id, new Kept(null, refusal, cost, nanoTime.getAsLong() + REFUSAL_NANOS));
      }
    });
    if (!read.isComplete()) {
      reading.put(id, read);
    }
    return read;
  }

  private Future<Parsed> read(BlobMetadata meta) {
    if (meta.length() < QuiltIndex.HEAD_BYTES) {
      return Future.failedFuture(new NotAQuiltException("blob " + meta.blobId() + " is " + meta.length()
          + " bytes, too short to be a quilt"));
    }
    Span head = new Span(meta, 0, QuiltIndex.HEAD_BYTES);
    long headCharge = head.window(head.firstStripe()).charge();
    return paidFor(headCharge, () -> bytes(head)).compose(headBytes -> {
      int prefixLength = QuiltIndex.prefixLength(headBytes.getBytes());
      if (prefixLength > meta.length()) {
        throw new QuiltFormatException("the quilt's index claims " + prefixLength + " bytes of prefix but blob "
            + meta.blobId() + " is only " + meta.length() + " bytes");
      }
      Span prefix = new Span(meta, 0, prefixLength);
      long stripes = Math.min(STRIPES_AT_ONCE, prefix.lastStripe() - prefix.firstStripe() + 1);
      long charge = prefixLength + stripes * prefix.window(prefix.firstStripe()).charge() + parseBound(prefixLength);
      return paidFor(charge, () -> bytes(prefix)
          .compose(bytes -> vertx.executeBlocking(() -> parsed(meta, bytes.getBytes()), false)));
    });
  }

  /** {@code work}, begun once {@code charge} is drawn from the budget and paying it back when over. */
  private <T> Future<T> paidFor(long charge, Supplier<Future<T>> work) {
    return budget.acquire(charge).compose(granted -> work.get().eventually(() -> {
      budget.release(charge);
      return Future.succeededFuture();
    }));
  }

  /** On a worker: the parsed prefix, checked against the blob, and its patch list's JSON. */
  private static Parsed parsed(BlobMetadata meta, byte[] prefix) {
    QuiltIndex index = QuiltIndex.parse(prefix);
    if (index.quiltLength() != meta.length()) {
      throw new QuiltFormatException("the quilt's index describes " + index.quiltLength() + " bytes but blob "
          + meta.blobId() + " is " + meta.length() + " bytes");
    }
    Buffer list = patchList(meta.blobId(), index);
    return new Parsed(index, list, heapCost(index, list));
  }

  /** {@code [{"identifier", "patch_id", "tags"}, ...]} in quilt order, as Walrus's QuiltPatchItem. */
  static Buffer patchList(BlobId quilt, QuiltIndex index) {
    JsonArray list = new JsonArray(new ArrayList<>(index.size()));
    for (int i = 0; i < index.size(); i++) {
      QuiltEntry e = index.entry(i);
      list.add(new JsonObject().put("identifier", e.identifier())
          .put("patch_id", QuiltPatchId.ofPatch(quilt, i).toString())
          .put("tags", new JsonObject(new LinkedHashMap<String, Object>(e.tags()))));
    }
    return list.toBuffer();
  }

  /**
   * An estimate, from above, of the heap a kept index and its list hold: the prefix, the list's
   * bytes, each patch's and each tag's objects, and their strings at two bytes a char.
   */
  static long heapCost(QuiltIndex index, Buffer list) {
    long bytes = index.prefixLength() + (long) list.length();
    for (QuiltEntry e : index.entries()) {
      bytes += PATCH_HEAP + 2L * e.identifier().length();
      for (Map.Entry<String, String> tag : e.tags().entrySet()) {
        bytes += TAG_HEAP + 2L * (tag.getKey().length() + tag.getValue().length());
      }
    }
    return bytes;
  }

  /**
   * The most heap parsing a prefix of {@code prefixLength} bytes and building its list may take,
   * from the length alone: the prefix's bytes over, and as many patches and tags as it can hold
   * within the codec's limits.
   */
  static long parseBound(long prefixLength) {
    long patches = Math.min(prefixLength / MIN_PATCH_BYTES, QuiltIndex.MAX_PATCHES);
    long tags = Math.min(prefixLength / MIN_TAG_BYTES, QuiltIndex.MAX_QUILT_TAGS);
    return PARSE_HEAP_PER_PREFIX_BYTE * prefixLength + 2 * PATCH_HEAP * patches + 2 * TAG_HEAP * tags;
  }

  /**
   * The verified bytes of {@code span} in one buffer, {@link #STRIPES_AT_ONCE} stripes at a time
   * (a large index costs a few round trips per batch, not one per stripe); the caller has paid.
   */
  private Future<Buffer> bytes(Span span) {
    return bytesFrom(span, span.firstStripe(), Buffer.buffer((int) span.length()));
  }

  private Future<Buffer> bytesFrom(Span span, long firstStripe, Buffer into) {
    List<Future<List<Buffer>>> batch = new ArrayList<>();
    long stripe = firstStripe;
    for (; batch.size() < STRIPES_AT_ONCE && stripe <= span.lastStripe(); stripe++) {
      SpanStream.Window w = span.window(stripe);
      batch.add(reader.read(span.meta(), stripe, w.lo(), w.hi()));
    }
    if (batch.isEmpty()) {
      return Future.succeededFuture(into);
    }
    long next = stripe;
    return Future.all(batch).compose(all -> {
      for (Future<List<Buffer>> pieces : batch) {
        pieces.result().forEach(into::appendBuffer);
      }
      return bytesFrom(span, next, into);
    });
  }

  private void keep(BlobId id, Kept kept) {
    if (kept.cost() > MAX_BYTES || cache.containsKey(id)) {
      return;
    }
    cache.put(id, kept);
    cachedBytes += kept.cost();
    Iterator<Map.Entry<BlobId, Kept>> eldest = cache.entrySet().iterator();
    while ((cachedBytes > MAX_BYTES || cache.size() > MAX_ENTRIES) && eldest.hasNext()) {
      cachedBytes -= eldest.next().getValue().cost();
      eldest.remove();
    }
  }

  private void forget(BlobId id) {
    Kept gone = cache.remove(id);
    if (gone != null) {
      cachedBytes -= gone.cost();
    }
  }

  /** How many indexes and refusals are kept (for tests). */
  int size() {
    return cache.size();
  }

  /** The estimated heap they hold (for tests). */
  long cachedBytes() {
    return cachedBytes;
  }
}
