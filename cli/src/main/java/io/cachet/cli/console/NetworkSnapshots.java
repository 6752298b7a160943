package io.cachet.cli.console;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The network page's live picture, probed in rounds while someone listens.
 *
 * <p>Invariants: at most one probe round runs at a time, however many pages listen or ask; a round
 * starts about {@link #PERIOD} after the previous one started (later when a round takes longer,
 * never two at once); no round starts while nobody listens, except one asked for by a single
 * {@link #snapshot()} that finds no fresh picture. A round runs on this class's own thread (it runs
 * commands and waits on the network), never on an event loop, and not on a Vert.x thread: the
 * commands make Vert.x instances of their own, and their answer is never handed to a context that
 * the console's close may have ended; the thread ends when idle. Every finished round is handed to
 * every listener, in the order rounds finish. A round that fails yields a snapshot saying so ({@code error}), so
 * a listener always hears something. Thread-safe: the state is guarded by this.
 */
final class NetworkSnapshots {
  /** How often a listened-to network is probed: the page's "about once a second". */
  static final Duration PERIOD = Duration.ofSeconds(1);
  /** How long the probing thread outlives its last round. */
  private static final long IDLE_THREAD_SECONDS = 10;

  private final Vertx vertx;
  private final NetworkPicture picture;
  private final Clock clock;
  /** One thread, so one round at a time; it goes away when idle. */
  private final ThreadPoolExecutor prober = new ThreadPoolExecutor(0, 1, IDLE_THREAD_SECONDS, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "console-network-probe");
        t.setDaemon(true);
        return t;
      });
  // Guarded by this.
  private final Set<Consumer<JsonObject>> listeners = new LinkedHashSet<>();
  private Future<JsonObject> underWay;
  private JsonObject last;
  private long lastStartedAt = Long.MIN_VALUE / 2;
  private long timer = -1;
  private boolean closed;
  private long rounds;

  NetworkSnapshots(Vertx vertx, ConsoleRuns runs, Path devnetDir, Clock clock) {
    this.vertx = vertx;
    this.picture = new NetworkPicture(runs, devnetDir);
    this.clock = clock;
  }

  /** The devnet's directory, or null when the console's network is not a devnet. */
  Path devnetDir() {
    return picture.devnetDir();
  }

  /** The last picture if it is younger than {@link #PERIOD}, else the round under way or a new one. */
  synchronized Future<JsonObject> snapshot() {
    if (last != null && clock.millis() - last.getLong("at", 0L) < PERIOD.toMillis()) {
      return Future.succeededFuture(last);
    }
    return round();
  }

  /**
   * Adds a listener, which gets the last picture at once (if any) and every later one until it is
   * removed; the first listener starts the rounds.
   */
  void listen(Consumer<JsonObject> listener) {
    JsonObject now;
    synchronized (this) {
      if (closed) {
        return;
      }
      listeners.add(listener);
      now = last;
      if (underWay == null && timer < 0) {
        round();
      }
    }
    if (now != null) {
      listener.accept(now);
    }
  }

  /** Removes a listener; with the last one gone, no further round is started. */
  synchronized void unlisten(Consumer<JsonObject> listener) {
    listeners.remove(listener);
    if (listeners.isEmpty() && timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  synchronized int listening() {
    return listeners.size();
  }

  /** Whether a round runs now or is scheduled: false once nobody listens and the last round ended. */
  synchronized boolean active() {
    return underWay != null || timer >= 0;
  }

  /** Rounds started since this was made. */
  synchronized long rounds() {
    return rounds;
  }

  /** Something changed (a part stopped or started): the next round starts now, or when the one under way ends. */
  synchronized void soon() {
    lastStartedAt = Long.MIN_VALUE / 2;
    if (underWay == null && !listeners.isEmpty()) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      round();
    }
  }

  synchronized void close() {
    closed = true;
    prober.shutdown();
    listeners.clear();
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  // Call with the lock held.
  private Future<JsonObject> round() {
    if (underWay != null) {
      return underWay;
    }
    if (closed) {
      return Future.failedFuture(new IllegalStateException("the console is closing"));
    }
    lastStartedAt = clock.millis();
    rounds++;
    CompletableFuture<JsonObject> taken = CompletableFuture.supplyAsync(() -> picture.take(clock.millis()), prober)
        .exceptionally(e -> NetworkPicture.failed(clock.millis(), e.getCause() != null ? e.getCause() : e));
    Future<JsonObject> f = Future.fromCompletionStage(taken);
    underWay = f;
    f.onComplete(r -> finished(r.result()));
    return f;
  }

  private void finished(JsonObject snapshot) {
    List<Consumer<JsonObject>> to;
    synchronized (this) {
      underWay = null;
      last = snapshot;
      to = new ArrayList<>(listeners);
      if (!closed && !listeners.isEmpty() && timer < 0) {
        long wait = Math.max(1, lastStartedAt + PERIOD.toMillis() - clock.millis());
        try {
          timer = vertx.setTimer(wait, id -> {
            synchronized (this) {
              timer = -1;
              if (!closed && !listeners.isEmpty()) {
                round();
              }
            }
          });
        } catch (IllegalStateException | RejectedExecutionException e) {
          closed = true; // Vert.x is closing with the console: no more rounds
        }
      }
    }
    for (Consumer<JsonObject> l : to) {
      try {
        l.accept(snapshot);
      } catch (RuntimeException e) {
        // a page whose connection is going away; the others still get the picture
        unlisten(l);
      }
    }
  }
}
