package io.cachet.storage.gateway;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.quilt.NotAQuiltException;
import io.cachet.storage.quilt.QuiltFormatException;
import io.cachet.storage.quilt.QuiltIndex;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed indexes of quilts, read from the nodes once and kept: a quilt is a blob, and a blob
 * never changes, so an index parsed once holds for as long as the blob is stored (a reader looks the
 * blob's metadata up first, so an expired quilt is never answered from here).
 *
 * <p>Reading one: its first {@link QuiltIndex#HEAD_BYTES} (magic and index length), then the whole
 * prefix, which {@link QuiltIndex#prefixLength} bounds by {@link QuiltIndex#MAX_INDEX_BYTES} and
 * which must fit in the blob, then {@link QuiltIndex#parse} on a worker, and the index's {@link
 * QuiltIndex#quiltLength()} must be the blob's length. Every byte comes verified through the same
 * stripe reading as any read, and while the prefix is held it is paid for from the shared read-ahead
 * budget, so many readers of many large indexes wait rather than fill the heap. Readers of one quilt
 * whose index is being read share that read.
 *
 * <p>The cache is a least-recently-used map bounded both in entries ({@link #MAX_ENTRIES}) and in
 * the prefix bytes it holds ({@link #MAX_BYTES}). Event-loop confined except the parsing.
 */
final class QuiltIndexes {
  /** Most quilt indexes kept. */
  static final int MAX_ENTRIES = 1_024;
  /**
   * Most prefix bytes the kept indexes may add up to (one index is at most 16 MiB); the parsed
   * entries take about as much again on the heap.
   */
  static final long MAX_BYTES = 32L << 20;
  /** Stripes of a prefix read at once. */
  private static final int STRIPES_AT_ONCE = 8;

  private final Vertx vertx;
  private final StripeReader reader;
  private final ReadAheadBudget budget;
  private final Map<BlobId, QuiltIndex> cache = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<BlobId, Future<QuiltIndex>> reading = new HashMap<>();
  private long cachedBytes;

  QuiltIndexes(Vertx vertx, StripeReader reader, ReadAheadBudget budget) {
    this.vertx = vertx;
    this.reader = reader;
    this.budget = budget;
  }

  /**
   * The index of the quilt whose verified metadata is {@code meta}. Fails with {@link
   * NotAQuiltException} when the blob is no quilt, {@link QuiltFormatException} when its prefix is
   * malformed or does not fit the blob, or the stripe reading's failure.
   */
  Future<QuiltIndex> index(BlobMetadata meta) {
    BlobId id = meta.blobId();
    QuiltIndex cached = cache.get(id);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    Future<QuiltIndex> underWay = reading.get(id);
    if (underWay != null) {
      return underWay;
    }
    Future<QuiltIndex> read = read(meta).onComplete(ar -> {
      reading.remove(id);
      if (ar.succeeded()) {
        keep(id, ar.result());
      }
    });
    if (!read.isComplete()) {
      reading.put(id, read);
    }
    return read;
  }

  private Future<QuiltIndex> read(BlobMetadata meta) {
    if (meta.length() < QuiltIndex.HEAD_BYTES) {
      return Future.failedFuture(new NotAQuiltException("blob " + meta.blobId() + " is " + meta.length()
          + " bytes, too short to be a quilt"));
    }
    return bytes(meta, 0, QuiltIndex.HEAD_BYTES).compose(head -> {
      int prefixLength = QuiltIndex.prefixLength(head.getBytes());
      if (prefixLength > meta.length()) {
        throw new QuiltFormatException("the quilt's index claims " + prefixLength + " bytes of prefix but blob "
            + meta.blobId() + " is only " + meta.length() + " bytes");
      }
      return budget.acquire(prefixLength).compose(granted -> bytes(meta, 0, prefixLength)
          .compose(prefix -> vertx.executeBlocking(() -> QuiltIndex.parse(prefix.getBytes()), false))
          .eventually(() -> {
            budget.release(prefixLength);
            return Future.succeededFuture();
          }));
    }).map(index -> {
      if (index.quiltLength() != meta.length()) {
        throw new QuiltFormatException("the quilt's index describes " + index.quiltLength() + " bytes but blob "
            + meta.blobId() + " is " + meta.length() + " bytes");
      }
      return index;
    });
  }

  /**
   * Bytes [from, to) of the blob, verified, in one buffer; {@link #STRIPES_AT_ONCE} stripes are
   * read at a time, so a large index costs a few round trips per batch, not one per stripe.
   */
  private Future<Buffer> bytes(BlobMetadata meta, long from, long to) {
    Buffer into = Buffer.buffer((int) (to - from));
    long stripeData = meta.encoding().stripeDataSize();
    return bytesFrom(meta, from / stripeData, from, to, into);
  }

  private Future<Buffer> bytesFrom(BlobMetadata meta, long firstStripe, long from, long to, Buffer into) {
    long stripeData = meta.encoding().stripeDataSize();
    List<Future<List<Buffer>>> batch = new ArrayList<>();
    long stripe = firstStripe;
    for (; batch.size() < STRIPES_AT_ONCE && stripe * stripeData < to; stripe++) {
      long stripeStart = stripe * stripeData;
      int lo = (int) (Math.max(from, stripeStart) - stripeStart);
      int hi = (int) (Math.min(to, stripeStart + meta.encoding().stripeDataLength(meta.length(), stripe))
          - stripeStart);
      batch.add(reader.read(meta, stripe, lo, hi));
    }
    if (batch.isEmpty()) {
      return Future.succeededFuture(into);
    }
    long next = stripe;
    return Future.all(batch).compose(all -> {
      for (Future<List<Buffer>> pieces : batch) {
        pieces.result().forEach(into::appendBuffer);
      }
      return bytesFrom(meta, next, from, to, into);
    });
  }

  private void keep(BlobId id, QuiltIndex index) {
    if (index.prefixLength() > MAX_BYTES || cache.containsKey(id)) {
      return;
    }
    cache.put(id, index);
    cachedBytes += index.prefixLength();
    Iterator<Map.Entry<BlobId, QuiltIndex>> eldest = cache.entrySet().iterator();
    while ((cachedBytes > MAX_BYTES || cache.size() > MAX_ENTRIES) && eldest.hasNext()) {
      cachedBytes -= eldest.next().getValue().prefixLength();
      eldest.remove();
    }
  }

  /** How many indexes are kept (for tests). */
  int size() {
    return cache.size();
  }
}
