package io.cachet.keyserver;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The way into the key server's crypto worker pool, bounded in time. Work is handed in with the
 * moment its wait began; a worker that picks up work which has waited longer than the request
 * deadline does not run it, and answers instead with what the caller says a late request gets
 * ({@code 503 DEADLINE_EXCEEDED}). So under overload the pool spends nothing (no JSON parsing,
 * no signature, no HPKE) on requests whose requesters have most likely given up, and the queue
 * drains at the cost of a clock read per request.
 *
 * <p>Waits are measured on a monotonic ticker (nanoseconds), not the wall clock: a clock step
 * neither drops a queue of fresh requests nor keeps stale ones. Where a wait starts is the
 * caller's choice: when a request's body has been received, and again when a ledger wait ends
 * (that wait has its own bound, {@code ledger-wait}, and is not counted here).
 */
final class CryptoQueue {
  /** Reason code of a request dropped for waiting past the deadline. */
  static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";
  /** Seconds a requester is told to wait after {@link #DEADLINE_EXCEEDED}: the queue is full now. */
  static final long RETRY_AFTER_SECONDS = 1;

  /** Where a request's wait for a worker began, as the drop metric's {@code stage} names it. */
  enum Stage {
    /** The body was received; nothing of the request has been read yet. */
    RECEIVED("received", "after its body was received", "unread"),
    /** Its ledger wait ended; it was parsed and authenticated, not decided. */
    AFTER_LEDGER_WAIT("after_ledger_wait", "after its ledger wait ended", "undecided");

    final String metric;
    final String since;
    final String left;

    Stage(String metric, String since, String left) {
      this.metric = metric;
      this.since = since;
      this.left = left;
    }
  }

  private final ThreadPoolExecutor pool;
  private final long deadlineNanos;
  private final LongSupplier ticker;
  private final KeyServerMetrics metrics;
  private final AtomicInteger queued = new AtomicInteger();

  /**
   * A pool of {@code threads} daemon threads named {@code name-N}. It is a plain executor, not a
   * Vert.x worker pool, so that a worker's result does not wake an event loop: a fetch goes from
   * its worker to the audit log, and only its recorded outcome returns to the event loop.
   */
  CryptoQueue(String name, int threads, Duration deadline, LongSupplier ticker, KeyServerMetrics metrics) {
    AtomicInteger count = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.NANOSECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, name + "-" + count.getAndIncrement());
      t.setDaemon(true);
      return t;
    });
    this.deadlineNanos = deadline.toNanos();
    this.ticker = ticker;
    this.metrics = metrics;
  }

  /** Now on the ticker: the start of a wait, to pass to {@link #submit}. */
  long mark() {
    return ticker.getAsLong();
  }

  /**
   * Runs {@code work} on a worker, unless by the time a worker takes it the wait since
   * {@code waitingSince} exceeds the deadline: then {@code late} is given the explanation and its
   * answer is the result, and the drop is counted. Both answer with a stage completing later (an
   * outcome completes once recorded), which the result follows.
   */
  <T> CompletableFuture<T> submit(long waitingSince, Stage stage, Callable<CompletableFuture<T>> work,
      Function<String, CompletableFuture<T>> late) {
    queued.incrementAndGet();
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      pool.execute(() -> {
        queued.decrementAndGet();
        try {
          long waited = ticker.getAsLong() - waitingSince;
          CompletableFuture<T> answer;
          if (waited > deadlineNanos) {
            metrics.deadlineDrop(stage.metric);
            answer = late.apply(message(stage, waited));
          } else {
            answer = work.call();
          }
          answer.whenComplete((value, failure) -> {
            if (failure != null) {
              result.completeExceptionally(failure);
            } else {
              result.complete(value);
            }
          });
        } catch (Throwable e) {
          result.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      queued.decrementAndGet();
      result.completeExceptionally(e);
    }
    return result;
  }

  /** Runs other work of the key server's (a key rotation, a sweep) on the same workers. */
  <T> CompletableFuture<T> run(Callable<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      pool.execute(() -> {
        try {
          result.complete(work.call());
        } catch (Throwable e) {
          result.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  /** Refuses new work; work already queued still runs. */
  void close() {
    pool.shutdown();
  }

  /** Requests waiting for a worker now. */
  int queued() {
    return queued.get();
  }

  private String message(Stage stage, long waitedNanos) {
    return "the request waited " + waitedNanos / 1_000_000 + " ms for a worker " + stage.since + "; this key"
        + " server's request deadline is " + deadlineNanos / 1_000_000 + " ms, so it was dropped " + stage.left
        + " (the server is overloaded); retry shortly";
  }
}
