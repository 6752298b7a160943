package io.cachet.policy.evm;

import io.cachet.policy.evm.EvmLedgerRpc.BlockRef;
import io.cachet.policy.evm.EvmLedgerRpc.Unavailable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * <p>Guarantees:
 * <ul>
 *   <li>the confirmed block only changes to a block the RPC (and, with a second RPC, both RPCs, by
 *       equal hash at the lower of their two heads) reported at the confirmed depth at that poll;
 *       while they disagree or do not answer, the confirmed block stays where it was and
 *       {@link #lastContact()} does not move, so the view ages into staleness;
 *   <li>the confirmed number never goes back because a head did (a lagging backend behind a load
 *       balancer, a second RPC a block behind): a lower head is logged once and ignored while the
 *       block at the confirmed number still has the confirmed hash. A different block at the same
 *       or a lower number is taken only as a real reorg, that is, when the RPC(s) now give another
 *       hash at the confirmed number; it is taken with a new {@code appliedAt};
 *   <li>a block stamped later than this node's clock plus the clock tolerance is not taken: it is
 *       held ({@link #held()}) and taken at a later poll once the clock reaches its stamp minus the
 *       tolerance, so ledger time never runs ahead of this node's clock by more than the tolerance
 *       (issue 12's rule, as on the embedded ledger).
 * </ul>
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
  private final long toleranceMillis;
  private final ScheduledExecutorService thread;
  private final List<HeightWaiter> waiters = new ArrayList<>();
  private volatile Confirmed confirmed;
  private volatile BlockRef held;
  private volatile long lastContact;
  private volatile String lastError;
  private volatile boolean closed;
  /** Whether a head below the confirmed number was logged and has not caught up since: logged once. */
  private boolean behindLogged;
  /** The block number last logged as held, so a hold is logged once, not at every poll. */
  private long heldLogged = -1;

  /**
   * @param second a second RPC that must agree on the confirmed block's hash, or null
   * @param clockTolerance how far past this node's clock a block may be stamped and still be taken
   */
  HeadFollower(EvmLedgerRpc rpc, EvmLedgerRpc second, long confirmations, Duration pollInterval, Clock clock,
      Duration clockTolerance) {
    this.rpc = rpc;
    this.second = second;
    this.confirmations = confirmations;
    this.clock = clock;
    this.toleranceMillis = clockTolerance.toMillis();
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

  /** The block held for being stamped ahead of this node's clock, or null when none is. */
  BlockRef held() {
    return held;
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
    if (second != null) {
      // the lower head: a block both RPCs have, so their hashes can be compared
      head = Math.min(head, second.blockNumber());
    }
    long number = head - confirmations;
    Confirmed c = confirmed;
    if (number < 0) {
      lastContact = clock.millis();
      return;
    }
    if (c != null && number < c.block().number()) {
      BlockRef still = agreedBlock(c.block().number());
      if (still.hash().equals(c.block().hash())) {
        if (!behindLogged) {
          LOG.warn("event=evm_head_behind confirmed={} head={}: kept the confirmed block", c.block().number(), head);
          behindLogged = true;
        }
        lastContact = clock.millis();
        return;
      }
      // the confirmed block itself was replaced: a real reorg, followed below
    } else {
      behindLogged = false;
    }
    BlockRef block = agreedBlock(number);
    long now = clock.millis();
    if (block.timestampSeconds() * 1000 > now + toleranceMillis) {
      hold(block, now);
      lastContact = now;
      return;
    }
    held = null;
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

  /** The block at {@code number}, checked against the second RPC's hash when there is one. */
  private BlockRef agreedBlock(long number) throws Unavailable {
    BlockRef block = rpc.blockByNumber(number);
    if (second != null) {
      BlockRef other = second.blockByNumber(number);
      if (!other.hash().equals(block.hash())) {
        throw new Unavailable("the two RPCs disagree on block " + number + ": " + block.hash() + " and "
            + other.hash());
      }
    }
    return block;
  }

  private void hold(BlockRef block, long now) {
    held = block;
    if (heldLogged != block.number()) {
      heldLogged = block.number();
      LOG.warn("event=evm_block_held number={} blockTime={} clock={} toleranceMs={}", block.number(),
          Instant.ofEpochSecond(block.timestampSeconds()), Instant.ofEpochMilli(now), toleranceMillis);
    }
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
