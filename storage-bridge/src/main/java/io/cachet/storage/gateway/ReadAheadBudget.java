package io.cachet.storage.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The bytes all downloads of one gateway may hold in stripes fetched ahead of their readers: a
 * shared budget that a download draws on before it fetches a stripe and pays back once that
 * stripe's bytes went out to the socket. A download that finds the budget spent waits (first come,
 * first served) instead of allocating, so read-ahead memory stays under the budget however many
 * readers there are and however slowly they read.
 *
 * <p>A draw larger than the whole budget is granted once the budget is entirely free, so one huge
 * stripe can still be read, alone. Event-loop confined: the aggregator's context only.
 */
final class ReadAheadBudget {
  private final long total;
  private long available;
  private final Deque<Waiter> waiters = new ArrayDeque<>();

  private record Waiter(long bytes, Promise<Void> granted) {}

  ReadAheadBudget(long totalBytes) {
    if (totalBytes < 1) {
      throw new IllegalArgumentException("a read-ahead budget must be at least one byte, not " + totalBytes);
    }
    this.total = totalBytes;
    this.available = totalBytes;
  }

  /** Completes once {@code bytes} (capped at the whole budget) are drawn; pay them back with {@link #release}. */
  Future<Void> acquire(long bytes) {
    long draw = charge(bytes);
    if (waiters.isEmpty() && available >= draw) {
      available -= draw;
      return Future.succeededFuture();
    }
    Promise<Void> granted = Promise.promise();
    waiters.add(new Waiter(draw, granted));
    return granted.future();
  }

  /** Pays back what an {@link #acquire} of {@code bytes} drew, and grants waiters in order. */
  void release(long bytes) {
    available += charge(bytes);
    if (available > total) {
      throw new IllegalStateException("released more read-ahead budget than was drawn");
    }
    while (!waiters.isEmpty() && available >= waiters.peek().bytes()) {
      Waiter w = waiters.poll();
      available -= w.bytes();
      w.granted().complete();
    }
  }

  /** Bytes drawn now. */
  long inUse() {
    return total - available;
  }

  long total() {
    return total;
  }

  private long charge(long bytes) {
    return Math.min(Math.max(bytes, 0), total);
  }
}
