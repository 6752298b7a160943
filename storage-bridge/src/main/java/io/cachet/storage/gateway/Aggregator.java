package io.cachet.storage.gateway;

import io.cachet.common.http.ApiErrors;
import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.common.http.ApiErrors;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/blobs/{id}} (with {@code Range: bytes=a-b}) and
 * {@code GET /v1/blobs/{id}/byte-range?start=S&length=L}: the Walrus aggregator over the local
 * nodes. Streams stripe by stripe with {@code readAhead} stripes fetched ahead and the response's
 * back-pressure respected, so memory stays at a few stripes whatever the blob's size. Every shard
 * is verified before a byte of it is sent. If a stripe cannot be read after the headers went out,
 * the connection is reset: the reader sees a short body, never wrong bytes.
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
  private boolean admit(RoutingContext ctx) {
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

  void read(RoutingContext ctx) {
    answer(ctx, true);
  }

  /**
   * {@code HEAD /v1/blobs/{id}}: the headers the same GET would answer with (length, {@code ETag},
   * {@code Content-Range} for a {@code Range}), from the metadata alone; no stripe is read.
   */
  void head(RoutingContext ctx) {
    answer(ctx, false);
  }

  /** GET or HEAD of a whole blob or of one {@code Range}: one set of checks, so both answer alike. */
  private void answer(RoutingContext ctx, boolean withBody) {
    BlobId id = blobId(ctx);
    if (id == null || !admit(ctx)) {
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
        ApiErrors.send(ctx, 416, "INVALID_BYTE_RANGE", "range " + range + " does not fit a " + size
            + "-byte blob (closed ranges bytes=a-b only)");
        return;
      }
      if (withBody) {
        stream(ctx, meta, span[0], span[1], range != null);
      } else {
        headers(ctx.response(), meta, span[0], span[1], range != null).end();
      }
    });
  }

  void byteRange(RoutingContext ctx) {
    BlobId id = blobId(ctx);
    if (id == null) {
      return;
    }
    long start;
    long length;
    try {
      start = Long.parseLong(require(ctx, "start"));
      length = Long.parseLong(require(ctx, "length"));
    } catch (NumberFormatException e) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "start and length must be integers");
      return;
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", e.getMessage());
      return;
    }
    if (start < 0 || length < 1) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "start must be >= 0 and length >= 1");
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
      if (start >= meta.length() || length > meta.length() - start) {
        ApiErrors.send(ctx, 416, "INVALID_BYTE_RANGE", "bytes " + start + ".." + (start + length)
            + " are outside the " + meta.length() + "-byte blob");
        return;
      }
      stream(ctx, meta, start, start + length, false);
    });
  }

  /** Sends bytes [from, to) of the blob. */
  private void stream(RoutingContext ctx, BlobMetadata meta, long from, long to, boolean partial) {
    if (ctx.response().closed()) {
      // The reader left during the metadata lookup: nothing to fetch, and no end event will come.
      return;
    }
    if (from == to) {
      headers(ctx.response(), meta, from, to, partial).end();
      return;
    }
    new Download(ctx, meta, from, to, partial).pump();
  }

  /**
   * The success headers, set only once the first bytes are ready: an error answered before that
   * must not carry the blob's Content-Length (the reader would wait for bytes that never come) nor
   * its day-long Cache-Control (a cache would keep the error).
   */
  private static HttpServerResponse headers(HttpServerResponse response, BlobMetadata meta, long from, long to,
      boolean partial) {
    response.setStatusCode(partial ? 206 : 200)
        .putHeader("content-type", "application/octet-stream")
        .putHeader("content-length", Long.toString(to - from))
        .putHeader("ETag", "\"" + meta.blobId() + "\"")
        .putHeader("Cache-Control", "public, max-age=86400, stale-while-revalidate=3600")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Accept-Ranges", "bytes");
    if (partial) {
      response.putHeader("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + meta.length());
    }
    return response;
  }

  /** One streaming read; event-loop confined. */
  private final class Download {
    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private final BlobMetadata meta;
    private final long from;
    private final long to;
    private final boolean partial;
    private final long stripeData;
    private final long lastStripe;
    private long nextFetch;
    private final Deque<Ahead> pending = new ArrayDeque<>();
    private boolean closed;
    private boolean started;
    private boolean finished;

    Download(RoutingContext ctx, BlobMetadata meta, long from, long to, boolean partial) {
      this.ctx = ctx;
      this.response = ctx.response();
      this.meta = meta;
      this.from = from;
      this.to = to;
      this.partial = partial;
      this.stripeData = meta.encoding().stripeDataSize();
      this.nextFetch = from / stripeData;
      this.lastStripe = (to - 1) / stripeData;
      ctx.addEndHandler(ar -> finish());
    }

    void pump() {
      while (!closed && pending.size() < config.readAhead() && nextFetch <= lastStripe) {
        long s = nextFetch++;
        long stripeStart = s * stripeData;
        int lo = (int) (Math.max(from, stripeStart) - stripeStart);
        int hi = (int) (Math.min(to, stripeStart + meta.encoding().stripeDataLength(meta.length(), s)) - stripeStart);
        // A stripe costs at most its n shards while it is read (all of them when it must be decoded).
        long charge = (long) meta.encoding().n() * meta.encoding().shardLength(meta.length(), s);
        Future<Void> granted = budget.acquire(charge);
        Future<List<Buffer>> data = granted.compose(v -> closed
            ? Future.failedFuture(new IllegalStateException("the read ended"))
            : reader.read(meta, s, lo, hi));
        pending.add(new Ahead(charge, data));
      }
      Ahead head = pending.peek();
      if (head == null || closed) {
        return;
      }
      head.data().onComplete(ar -> {
        if (closed || pending.peek() != head) {
          return;
        }
        if (ar.failed()) {
          closed = true;
          finish();
          LOG.warn("read of {} failed: {}", meta.blobId(), ar.cause().getMessage());
          if (!started) {
            // Nothing was sent yet, so no success header either: answer with the error instead.
            fail(ctx, ar.cause());
          } else {
            response.reset();
          }
          return;
        }
        pending.poll();
        if (!started) {
          headers(response, meta, from, to, partial);
          started = true;
        }
        List<Future<Void>> writes = new ArrayList<>();
        for (Buffer piece : ar.result()) {
          metrics.served(piece.length());
          writes.add(response.write(piece));
        }
        // Written or failed, the stripe's bytes have left the read-ahead: pay its charge back.
        Future.join(writes).onComplete(x -> budget.release(head.charge()));
        if (pending.isEmpty() && nextFetch > lastStripe) {
          response.end();
          return;
        }
        if (response.writeQueueFull()) {
          response.drainHandler(v -> pump());
        } else {
          pump();
        }
      });
    }

    /**
     * Ends the read's claims: each stripe still ahead pays its charge back once its fetch is over
     * (one still waiting for budget fetches nothing once granted, and pays back then), so bytes
     * still arriving for it stay counted until they stop.
     */
    private void finish() {
      if (finished) {
        return;
      }
      finished = true;
      closed = true;
      for (Ahead a : pending) {
        a.data().onComplete(x -> budget.release(a.charge()));
      }
      pending.clear();
    }
  }

  /** A stripe fetched ahead: its charge on the budget and its verified bytes (fetched once granted). */
  private record Ahead(long charge, Future<List<Buffer>> data) {}

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
    try {
      return BlobId.parse(ctx.pathParam("blobId"));
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", e.getMessage());
      return null;
    }
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
