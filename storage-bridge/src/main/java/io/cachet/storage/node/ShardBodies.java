package io.cachet.storage.node;

import io.cachet.storage.node.NodeException.Reason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads shard bodies (upload and repair writes) within a memory budget. One body is gathered into
 * one array of at most the shard size (a longer one fails with 413 TOO_LARGE as soon as it passes
 * it); at most {@link #MAX_BODIES} bodies are read at once, at most {@link #MAX_BODIES_PER_PUBLISHER}
 * of them for one publisher, so the node never buffers more than {@code MAX_BODIES x shardSize}
 * bytes of request bodies, whatever its clients send. A body over the budget is refused with 503
 * TOO_MANY_UPLOADS before a byte of it is kept. {@link #bufferedBytes()} and
 * {@link #highWaterBytes()} report what is reserved. Thread-safe.
 */
final class ShardBodies {
  /** Shard bodies read at once, for all publishers together. */
  static final int MAX_BODIES = 64;
  /** Shard bodies read at once for one publisher (a gateway sends at most uploads x stripes in flight). */
  static final int MAX_BODIES_PER_PUBLISHER = 32;
  /** Bytes the HTTP decoder hands over at once; also the first allocation of a chunked body. */
  static final int MAX_CHUNK_BYTES = 64 * 1024;

  /** A shard body gathered into one array. */
  static final class Body {
    byte[] bytes;
    int length;

    private Body(int capacity) {
      bytes = new byte[capacity];
    }

    private void append(Buffer chunk, int limit) {
      int n = chunk.length();
      if (length + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(length + n, bytes.length * 2)));
      }
      chunk.getBytes(0, n, bytes, length);
      length += n;
    }
  }

  /** A reservation in the budget; given back exactly once. */
  final class Slot {
    private final String publisher;
    private final long bytes;
    private boolean released;

    private Slot(String publisher, long bytes) {
      this.publisher = publisher;
      this.bytes = bytes;
    }

    synchronized void release() {
      if (!released) {
        released = true;
        buffered.addAndGet(-bytes);
        bodies.decrementAndGet();
        perPublisher.computeIfPresent(publisher, (k, c) -> c.decrementAndGet() == 0 ? null : c);
      }
    }
  }

  private final int shardSize;
  private final AtomicInteger bodies = new AtomicInteger();
  private final ConcurrentHashMap<String, AtomicInteger> perPublisher = new ConcurrentHashMap<>();
  private final AtomicLong buffered = new AtomicLong();
  private final AtomicLong highWater = new AtomicLong();

  ShardBodies(int shardSize) {
    this.shardSize = shardSize;
  }

  /**
   * Reserves room for one body of {@code publisher}'s request: its declared length, or the shard
   * size for a chunked body. Refuses (TOO_LARGE, TOO_MANY_UPLOADS) without reserving anything.
   */
  Slot reserve(String publisher, HttpServerRequest req) throws NodeException {
    long declared = declaredLength(req);
    if (declared > shardSize) {
      throw new NodeException(Reason.TOO_LARGE, "a shard is at most " + shardSize + " bytes, this body is "
          + req.getHeader(HttpHeaders.CONTENT_LENGTH));
    }
    long bytes = declared >= 0 ? declared : shardSize;
    int[] mine = {0};
    perPublisher.compute(publisher, (k, c) -> {
      AtomicInteger count = c == null ? new AtomicInteger() : c;
      mine[0] = count.incrementAndGet();
      return count;
    });
    int all = bodies.incrementAndGet();
    if (mine[0] > MAX_BODIES_PER_PUBLISHER || all > MAX_BODIES) {
      bodies.decrementAndGet();
      perPublisher.computeIfPresent(publisher, (k, c) -> c.decrementAndGet() == 0 ? null : c);
      throw new NodeException(Reason.TOO_MANY_UPLOADS, "this node is reading " + (all - 1) + " shard bodies ("
          + (mine[0] - 1) + " of this publisher); at most " + MAX_BODIES + " and " + MAX_BODIES_PER_PUBLISHER
          + " per publisher. Retry shortly");
    }
    long now = buffered.addAndGet(bytes);
    highWater.accumulateAndGet(now, Math::max);
    return new Slot(publisher, bytes);
  }

  /** Gathers the body of {@code req} (resuming it if paused) within its reservation; the caller releases the slot. */
  Future<Body> read(HttpServerRequest req, Slot slot) {
    int limit = (int) Math.min(shardSize, slot.bytes == 0 ? 0 : slot.bytes);
    int cap = declaredLength(req) >= 0 ? limit : Math.min(limit, MAX_CHUNK_BYTES);
    Body body = new Body(cap);
    Promise<Body> done = Promise.promise();
    req.handler(chunk -> {
      if (done.future().isComplete()) {
        return;
      }
      if ((long) body.length + chunk.length() > limit) {
        done.tryFail(new NodeException(Reason.TOO_LARGE, "a shard is at most " + shardSize
            + " bytes (or the body is longer than its Content-Length)"));
        return;
      }
      body.append(chunk, limit);
    });
    req.exceptionHandler(done::tryFail);
    req.endHandler(v -> done.tryComplete(body));
    req.resume();
    return done.future();
  }

  /** Bytes reserved for bodies being read now. */
  long bufferedBytes() {
    return buffered.get();
  }

  /** The most bytes ever reserved at once since the node started. */
  long highWaterBytes() {
    return highWater.get();
  }

  /** Shard bodies being read now. */
  int inFlight() {
    return bodies.get();
  }

  private static long declaredLength(HttpServerRequest req) {
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared == null) {
      return -1;
    }
    try {
      long v = Long.parseLong(declared.trim());
      return v < 0 ? Long.MAX_VALUE : v;
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}
