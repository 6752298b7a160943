package io.cachet.cli.console;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads the console's commands and transfers block on, bounded: each command builds its own
 * Vert.x instance, so a flood of requests (a runaway page, a stolen session) must not become as many
 * threads and instances. Work that finds every thread busy is refused at once with {@link Full}
 * rather than queued, so the page hears {@code 503 BUSY} instead of waiting behind long transfers.
 */
final class CommandPool {
  /** Threads at most: room for a few long transfers and the page's quick commands beside them. */
  static final int DEFAULT_THREADS = 32;
  /** How long an idle thread is kept before it ends (the pool shrinks to nothing when unused). */
  private static final long IDLE_SECONDS = 60;
  /** The name of each command thread, for thread dumps. */
  private static final String THREAD_NAME = "cachet-console-command";

  private CommandPool() {}

  /**
   * A pool of at most {@code threads} daemon threads that never queues: {@code execute} either hands
   * the work to a free thread or throws {@link java.util.concurrent.RejectedExecutionException}.
   */
  static ThreadPoolExecutor create(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("a command pool needs at least one thread, was " + threads);
    }
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, THREAD_NAME);
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Every command thread was busy when a request's work arrived; answered {@code 503 BUSY}. */
  static final class Full extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Full() {
      super("every command thread is busy", null, false, false);
    }
  }

}
