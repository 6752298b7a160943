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
import java.util.function.Consumer;

/**
 * The network page's live picture, probed in rounds while someone listens.
 *
 * <p>Invariants: at most one probe round runs at a time, however many pages listen or ask; a round
 * starts about {@link #PERIOD} after the previous one started (later when a round takes longer,
 * never two at once); no round starts while nobody listens, except one asked for by a single
 * {@link #snapshot()} that finds no fresh picture. A round runs on a worker (it runs commands and
 * waits on the network), never on an event loop. Every finished round is handed to every listener,
 * in the order rounds finish. A round that fails yields a snapshot saying so ({@code error}), so
 * a listener always hears something. Thread-safe: the state is guarded by this.
 */
final class NetworkSnapshots {
  /** How often a listened-to network is probed: the page's "about once a second". */
  static final Duration PERIOD = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final NetworkPicture picture;
  private final Clock clock;
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
    lastStartedAt = clock.millis();
    rounds++;
    Future<JsonObject> f = vertx.executeBlocking(() -> picture.take(clock.millis()), false)
        .recover(e -> Future.succeededFuture(NetworkPicture.failed(clock.millis(), e)));
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
        timer = vertx.setTimer(wait, id -> {
          synchronized (this) {
            timer = -1;
            if (!closed && !listeners.isEmpty()) {
              round();
            }
          }
        });
      }
    }
    for (Consumer<JsonObject> l : to) {
      l.accept(snapshot);
    }
  }
}
