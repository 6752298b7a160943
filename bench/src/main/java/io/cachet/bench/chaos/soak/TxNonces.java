package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.check.TxRecord;
import io.cachet.crypto.Address;
import io.cachet.policy.LedgerClient;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns an acknowledged transaction into a record the checker can find in the chain: the client
 * API returns the height a write committed at, not its nonce, so this asks the ledger for the
 * sender's next nonce right after the acknowledgement. Each soak identity writes from one thread,
 * one write at a time, so the transaction just acknowledged is the sender's latest: its nonce is
 * the next one less one. The question goes to the ledger's own port, not through its fault proxy:
 * it is bookkeeping, not load. A nonce that cannot be had within {@link #ASK_TIMEOUT} leaves the
 * transaction unrecorded and counted ({@link #unrecorded}), never recorded wrongly.
 */
final class TxNonces implements AutoCloseable {
  /** Longest the ledger is asked for one nonce, over all tries. */
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(20);
  /** Pause between tries while the ledger is down or paused. */
  private static final long RETRY_MILLIS = 500;

  private final Vertx vertx = Vertx.vertx();
  private final LedgerClient ledger;
  private final SoakRecords records;
  private final Clock clock;
  private final AtomicLong unrecorded = new AtomicLong();

  TxNonces(String ledgerDirectUrl, SoakRecords records, Clock clock) {
    this.ledger = new LedgerClient(vertx, ledgerDirectUrl);
    this.records = records;
    this.clock = clock;
  }

  /** Records {@code sender}'s latest transaction, acknowledged at {@code height} (-1 if unknown). */
  void record(Address sender, String kind, long height) {
    long ackedAt = clock.millis();
    long deadline = System.nanoTime() + ASK_TIMEOUT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      try {
        long next = ledger.nextNonce(sender).toCompletionStage().toCompletableFuture()
            .get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (next > 0) {
          records.tx(new TxRecord(sender, next - 1, new byte[0], height, kind, ackedAt));
          return;
        }
        break;
      } catch (ExecutionException | TimeoutException e) {
        sleep();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    unrecorded.incrementAndGet();
  }

  /** Acknowledged transactions whose nonce could not be had. */
  long unrecorded() {
    return unrecorded.get();
  }

  private static void sleep() {
    try {
      Thread.sleep(RETRY_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    ledger.close();
    vertx.close();
  }
}
