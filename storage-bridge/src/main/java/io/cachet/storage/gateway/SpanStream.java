package io.cachet.storage.gateway;

import io.cachet.storage.codec.BlobMetadata;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One answer made of spans of blobs, sent one after another: a whole blob, a byte range, a quilt
 * patch, or the blobs of a concatenation. Stripes are fetched {@code readAhead} ahead (each paid for
 * from the gateway's {@link ReadAheadBudget} before it is fetched and paid back once its bytes left
 * for the socket) and the response's back-pressure is respected, so memory stays at a few stripes
 * whatever the spans' sizes.
 *
 * <p>The success headers are written only when the first bytes are ready: an error found before
 * that is answered in the one error shape instead. A stripe that cannot be read after the headers
 * went out resets the connection, so the reader sees a short body, never wrong bytes. Event-loop
 * confined (the gateway's context).
 */
final class SpanStream {
  private static final Logger LOG = LoggerFactory.getLogger(SpanStream.class);

  /** Bytes [from, to) of one blob. */
  record Span(BlobMetadata meta, long from, long to) {
    Span {
      if (from < 0 || to < from || to > meta.length()) {
        throw new IllegalArgumentException("span " + from + ".." + to + " is outside the " + meta.length()
            + "-byte blob " + meta.blobId());
      }
    }

    long length() {
      return to - from;
    }

    long firstStripe() {
      return from / meta.encoding().stripeDataSize();
    }

    long lastStripe() {
      return (to - 1) / meta.encoding().stripeDataSize();
    }

    /** Stripe {@code stripe}'s part of this span, and what reading it costs the budget. */
    Window window(long stripe) {
      long stripeStart = stripe * meta.encoding().stripeDataSize();
      int lo = (int) (Math.max(from, stripeStart) - stripeStart);
      int hi = (int) (Math.min(to, stripeStart + meta.encoding().stripeDataLength(meta.length(), stripe))
          - stripeStart);
      // A stripe costs at most its n shards while it is read (all of them when it must be decoded).
      long charge = (long) meta.encoding().n() * meta.encoding().shardLength(meta.length(), stripe);
      return new Window(stripe, lo, hi, charge);
    }
  }

  /**
   * Bytes [lo, hi) of one stripe's data, and the read-ahead budget its reading draws: every read
   * of a blob's bytes, a download's or a quilt index's, is paid for by this one measure.
   */
  record Window(long stripe, int lo, int hi, long charge) {}

  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final List<Span> spans;
  private final Consumer<HttpServerResponse> successHeaders;
  private final StripeReader reader;
  private final ReadAheadBudget budget;
  private final GatewayMetrics metrics;
  private final int readAhead;
  private final Deque<Ahead> pending = new ArrayDeque<>();
  /** The span whose stripes are fetched next, and its next stripe. */
  private int fetchSpan;
  private long nextFetch;
  private boolean closed;
  private boolean started;
  private boolean finished;

  /** A stripe fetched ahead: its charge on the budget and its verified bytes (fetched once granted). */
  private record Ahead(long charge, Future<List<Buffer>> data, String blob) {}

  private SpanStream(RoutingContext ctx, List<Span> spans, Consumer<HttpServerResponse> successHeaders,
      StripeReader reader, ReadAheadBudget budget, GatewayMetrics metrics, int readAhead) {
    this.ctx = ctx;
    this.response = ctx.response();
    this.spans = spans.stream().filter(s -> s.length() > 0).toList();
    this.successHeaders = successHeaders;
    this.reader = reader;
    this.budget = budget;
    this.metrics = metrics;
    this.readAhead = readAhead;
    if (!this.spans.isEmpty()) {
      nextFetch = this.spans.get(0).firstStripe();
    }
  }

  /**
   * Sends the spans in order after {@code successHeaders} (which sets the status and every header,
   * {@code Content-Length} the spans' total included). With no bytes to send, the headers alone.
   */
  static void send(RoutingContext ctx, List<Span> spans, Consumer<HttpServerResponse> successHeaders,
      StripeReader reader, ReadAheadBudget budget, GatewayMetrics metrics, int readAhead) {
    if (ctx.response().closed()) {
      // The reader left during the lookups: nothing to fetch, and no end event will come.
      return;
    }
    SpanStream s = new SpanStream(ctx, spans, successHeaders, reader, budget, metrics, readAhead);
    if (s.spans.isEmpty()) {
      successHeaders.accept(ctx.response());
      ctx.response().end();
      return;
    }
    ctx.addEndHandler(ar -> s.finish());
    s.pump();
  }

  private boolean allFetched() {
    return fetchSpan == spans.size();
  }

  private void pump() {
    while (!closed && pending.size() < readAhead && !allFetched()) {
      Span span = spans.get(fetchSpan);
      BlobMetadata meta = span.meta();
      long s = nextFetch;
      if (s == span.lastStripe()) {
        fetchSpan++;
        nextFetch = allFetched() ? 0 : spans.get(fetchSpan).firstStripe();
      } else {
        nextFetch++;
      }
      Window w = span.window(s);
      Future<Void> granted = budget.acquire(w.charge());
      Future<List<Buffer>> data = granted.compose(v -> closed
          ? Future.failedFuture(new IllegalStateException("the read ended"))
          : reader.read(meta, s, w.lo(), w.hi()));
      pending.add(new Ahead(w.charge(), data, meta.blobId().toString()));
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
        finish();
        LOG.warn("read of {} failed: {}", head.blob(), ar.cause().getMessage());
        if (!started) {
          // Nothing was sent yet, so no success header either: answer with the error instead.
          Aggregator.fail(ctx, ar.cause());
        } else {
          response.reset();
        }
        return;
      }
      pending.poll();
      if (!started) {
        successHeaders.accept(response);
        started = true;
      }
      List<Future<Void>> writes = new ArrayList<>();
      for (Buffer piece : ar.result()) {
        metrics.served(piece.length());
        writes.add(response.write(piece));
      }
      // Written or failed, the stripe's bytes have left the read-ahead: pay its charge back.
      Future.join(writes).onComplete(x -> budget.release(head.charge()));
      if (pending.isEmpty() && allFetched()) {
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
   * Ends the answer's claims: each stripe still ahead pays its charge back once its fetch is over
   * (one still waiting for budget fetches nothing once granted, and pays back then), so bytes still
   * arriving for it stay counted until they stop.
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
