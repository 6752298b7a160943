package io.cachet.keyserver;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fetch requests waiting for this key server's follower to reach the ledger height they signed.
 *
 * <p>Design: a wait never holds a thread. Each waiting request has a promise and a Vert.x timer;
 * the promise completes {@code true} on the event loop that asked once the follower has applied
 * the height, or {@code false} when the bound passes first. The follower is asked for one height
 * at a time, the next block after its view, whatever heights the requests named: its waiters are
 * never removed until reached, so asking it for a height far ahead of the ledger (any requester
 * can sign one) would leave a waiter behind for good. The next block always comes (the sequencer
 * emits one every few seconds; an EVM chain mines on its block time), and at most one such waiter
 * is outstanding. On an EVM chain the height is the confirmed block's number ({@code head -
 * confirmations}).
 *
 * <p>Bounds: every waiting request holds one of the server's in-flight slots for as long as it
 * waits, so waits count against {@code max-in-flight} like any other request.
 */
final class LedgerWaits {
  private record Waiter(long height, Context context, Promise<Boolean> done) {}

  private final Vertx vertx;
  private final KeyServerLedger follower;
  private final List<Waiter> waiters = new ArrayList<>();
  /** Whether the follower has been asked for its next block on behalf of {@link #waiters}. */
  private boolean armed;

  LedgerWaits(Vertx vertx, KeyServerLedger follower) {
    this.vertx = vertx;
    this.follower = follower;
  }

  /**
   * Completes {@code true} once the follower has applied {@code height}, or {@code false} after
   * {@code bound}; call it from a Vert.x context, where it completes.
   */
  Future<Boolean> await(long height, Duration bound) {
    if (follower.view().height() >= height) {
      return Future.succeededFuture(true);
    }
    Context context = vertx.getOrCreateContext();
    Waiter w = new Waiter(height, context, Promise.promise());
    synchronized (this) {
      waiters.add(w);
      arm();
    }
    long timer = vertx.setTimer(Math.max(1, bound.toMillis()), id -> {
      synchronized (this) {
        waiters.remove(w);
      }
      w.done().tryComplete(false);
    });
    return w.done().future().onComplete(r -> vertx.cancelTimer(timer));
  }

  /** How many requests are waiting now. */
  synchronized int waiting() {
    return waiters.size();
  }

  /** Asks the follower for its next block, unless asked already or nobody waits; holds the lock. */
  private void arm() {
    if (armed || waiters.isEmpty()) {
      return;
    }
    armed = true;
    follower.awaitHeight(follower.view().height() + 1).whenComplete((h, failure) -> advanced(failure != null));
  }

  private void advanced(boolean followerStopped) {
    List<Waiter> reached = new ArrayList<>();
    List<Waiter> given = new ArrayList<>();
    synchronized (this) {
      armed = false;
      long h = follower.view().height();
      waiters.removeIf(w -> w.height() <= h && reached.add(w));
      if (followerStopped) {
        // a closed or halted follower reaches nothing more: the waits end now, not at their bound
        given.addAll(waiters);
        waiters.clear();
      } else {
        arm();
      }
    }
    reached.forEach(w -> w.context().runOnContext(v -> w.done().tryComplete(true)));
    given.forEach(w -> w.context().runOnContext(v -> w.done().tryComplete(false)));
  }
}
