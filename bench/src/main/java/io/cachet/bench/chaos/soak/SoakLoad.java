package io.cachet.bench.chaos.soak;

import io.cachet.client.ClientConfig;
import io.cachet.crypto.Identity;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The soak's clients: one {@link LoadWorker} thread per profile client, each with a new owner and
 * reader identity (keys from {@link SecureRandom}; the seed picks operations and bytes, not keys),
 * every policy also granting the auditor the checker reads blobs back as.
 *
 * <p>{@link #stop} asks the workers to finish the operation under way; a worker still in one after
 * {@link #JOIN_TIMEOUT} is left (its thread is a daemon) and reported as hung, with its operation.
 */
final class SoakLoad {
  /** Longest the workers may take to finish their last operation once asked to stop. */
  static final Duration JOIN_TIMEOUT = Duration.ofSeconds(120);

  private final List<LoadWorker> workers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopping;

  SoakLoad(SoakProfile profile, ClientConfig config, Identity auditor, String auditorName, Path descriptorCache,
      long seed, Outcomes outcomes, SoakRecords records, TxNonces nonces, Clock clock) {
    SplittableRandom seeds = new SplittableRandom(seed);
    SecureRandom keys = new SecureRandom();
    for (int i = 0; i < profile.clients(); i++) {
      workers.add(new LoadWorker(i, profile, config, Identity.generate(keys), Identity.generate(keys), auditor,
          auditorName, descriptorCache, seeds.nextLong(), outcomes, records, nonces, clock, () -> stopping,
          i == 0 ? profile.largePuts() : 0));
    }
  }

  void start() {
    for (LoadWorker w : workers) {
      Thread t = new Thread(w, "soak-" + w);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** Asks every worker to stop and waits; the operations still under way after the timeout, one line each. */
  List<String> stop() throws InterruptedException {
    stopping = true;
    long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    List<String> hung = new ArrayList<>();
    for (int i = 0; i < threads.size(); i++) {
      if (threads.get(i).isAlive()) {
        LoadWorker w = workers.get(i);
        long started = w.opStartedNanos();
        hung.add(w + " still in '" + w.opKind() + "' after " + (started == 0 ? "?" : Duration.ofNanos(System.nanoTime()
            - started).toSeconds()) + " s");
      }
    }
    return hung;
  }
}
