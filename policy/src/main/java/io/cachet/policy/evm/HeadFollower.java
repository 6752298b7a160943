package io.cachet.policy.evm;

import io.cachet.policy.evm.EvmLedgerRpc.BlockRef;
import io.cachet.policy.evm.EvmLedgerRpc.Unavailable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows an EVM chain's confirmed block: every poll interval, on its own thread, it reads the
 * head and takes block {@code head - confirmations} as the block decisions are made at.
 *
 * <p>Guarantees: the confirmed block only changes to a block the RPC (and, with a second RPC,
 * both RPCs, by equal hash) reported at the confirmed depth at that poll; while they disagree or
 * do not answer, the confirmed block stays where it was and {@link #lastContact()} does not move,
 * so the view ages into staleness. A block that replaces the confirmed one (a reorg deeper than
 * the confirmation depth, or a revert) is taken as the new confirmed block, with a new
 * {@code appliedAt}: decisions follow the chain as the RPC now has it.
 */
final class HeadFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeadFollower.class);

  /** The block decisions are made at, and when this node first saw it as confirmed (its clock, ms). */
  record Confirmed(BlockRef block, long appliedAt) {}

  private record HeightWaiter(long height, CompletableFuture<Long> done) {}

  private final EvmLedgerRpc rpc;
  private final EvmLedgerRpc second;
  private final long confirmations;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final List<HeightWaiter> waiters = new ArrayList<>();
  private volatile Confirmed confirmed;
  private volatile long lastContact;
  private volatile String lastError;
  private volatile boolean closed;

  /**
   * @param second a second RPC that must agree on the confirmed block's hash, or null
   */
  HeadFollower(EvmLedgerRpc rpc, EvmLedgerRpc second, long confirmations, Duration pollInterval, Clock clock) {
    this.rpc = rpc;
    this.second = second;
    this.confirmations = confirmations;
    this.clock = clock;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cachet-evm-head-follower");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::pollSafely, 0, pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The confirmed block, or null before the first poll that reached the chain. */
  Confirmed confirmed() {
    return confirmed;
  }

  /** When the chain last answered a poll in full (and both RPCs agreed), by this node's clock; 0 if never. */
  long lastContact() {
    return lastContact;
  }

  /** Why the last poll failed, or null if it did not. */
  String lastError() {
    return lastError;
  }

  /** Polls now on the follower's thread and waits for it; for tests that step the chain and want the view at once. */
  void pollNow() {
    try {
      thread.submit(this::pollSafely).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the head follower did not poll", e);
    }
  }

  /** Completes once the confirmed block's number is at least {@code height}; fails when closed. */
  CompletableFuture<Long> awaitHeight(long height) {
    synchronized (waiters) {
      Confirmed c = confirmed;
      if (c != null && c.block().number() >= height) {
        return CompletableFuture.completedFuture(c.block().number());
      }
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the EVM ledger is closed"));
      }
      HeightWaiter w = new HeightWaiter(height, new CompletableFuture<>());
      waiters.add(w);
      return w.done();
    }
  }

  private void pollSafely() {
    try {
      poll();
      lastError = null;
    } catch (Unavailable e) {
      if (lastError == null) {
        LOG.warn("event=evm_head_unavailable rpc={} error={}", rpc.where(), e.getMessage());
      }
      lastError = e.getMessage();
    } catch (RuntimeException e) {
      LOG.error("event=evm_head_poll_failed", e);
      lastError = "internal error while following the chain";
    }
  }

  private void poll() throws Unavailable {
    long head = rpc.blockNumber();
    long number = head - confirmations;
    if (number < 0) {
      lastContact = clock.millis();
      return;
    }
    BlockRef block = rpc.blockByNumber(number);
    if (second != null) {
      BlockRef other = second.blockByNumber(number);
      if (!other.hash().equals(block.hash())) {
        throw new Unavailable("the two RPCs disagree on block " + number + ": " + block.hash() + " and "
            + other.hash());
      }
    }
    long now = clock.millis();
    Confirmed c = confirmed;
    if (c == null || !c.block().equals(block)) {
      if (c != null && block.number() <= c.block().number()) {
        LOG.warn("event=evm_confirmed_block_replaced from={}:{} to={}:{}", c.block().number(), c.block().hash(),
            block.number(), block.hash());
      }
      confirmed = new Confirmed(block, now);
    }
    lastContact = now;
    release(block.number());
  }

  private void release(long height) {
    List<HeightWaiter> reached = new ArrayList<>();
    synchronized (waiters) {
      waiters.removeIf(w -> w.height() <= height && reached.add(w));
    }
    reached.forEach(w -> w.done().complete(height));
  }

  @Override
  public void close() {
    closed = true;
    thread.shutdownNow();
    List<HeightWaiter> left;
    synchronized (waiters) {
      left = new ArrayList<>(waiters);
      waiters.clear();
    }
    left.forEach(w -> w.done().completeExceptionally(new IllegalStateException("the EVM ledger is closed")));
  }
}
