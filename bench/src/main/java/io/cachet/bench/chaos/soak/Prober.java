package io.cachet.bench.chaos.soak;

import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.StoredObject;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The harness's own client, apart from the load: it asks whether the network works (a put and a
 * get of a small blob, each in a new session, so no key is served from a cache), and how it fails
 * when faults go beyond tolerance. Every question runs on its own thread and is abandoned after
 * {@link #BOUND}: a question that takes longer is a hang, reported as such, and never blocks the
 * harness.
 */
final class Prober implements AutoCloseable {
  /**
   * Longest a question may take: the client's request timeout (10 s) for each of a fetch's tries
   * and the storage client's retries, with room for a loaded machine. Past it the client hung.
   */
  static final Duration BOUND = Duration.ofSeconds(60);
  /** Size of a probe blob. */
  private static final long PROBE_BYTES = 4096;

  /** What one question came to. */
  enum Result {
    /** The put and the get worked; the bytes matched. */
    WORKED,
    /** It failed with a typed reason within the bound: a clean failure. */
    FAILED_CLEANLY,
    /** A get returned bytes that are not the ones put. */
    WRONG_BYTES,
    /** It did not answer within {@link #BOUND}. */
    HUNG
  }

  /** A question's result, its reason code (for a failure) and how long it took. */
  record Answer(Result result, String reason, Duration took) {}

  private final ClientConfig config;
  private final Identity identity;
  private final Path descriptorCache;
  private final SplittableRandom random;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "soak-prober");
    t.setDaemon(true);
    return t;
  });
  private PolicyId policy;
  private BlobId known;
  private SeededBlob knownBytes;

  Prober(ClientConfig config, Identity identity, Path descriptorCache, long seed) {
    this.config = config;
    this.identity = identity;
    this.descriptorCache = descriptorCache;
    this.random = new SplittableRandom(seed);
  }

  /** Makes the prober's policy (it reads its own blobs) and a blob later probes read; retried by the caller. */
  void setUp() throws Exception {
    try (CachetClient c = CachetClient.open(config, identity, descriptorCache)) {
      if (policy == null) {
        policy = c.createAllowList();
      }
      c.grant(policy, identity.address(), Window.ALWAYS);
    }
    SeededBlob blob = new SeededBlob(random.nextLong(), PROBE_BYTES);
    known = put(blob);
    knownBytes = blob;
  }

  /** A new small blob put, then read back in a new session. */
  Answer putAndGet() {
    return ask(() -> {
      SeededBlob blob = new SeededBlob(random.nextLong(), PROBE_BYTES);
      return get(put(blob), blob);
    });
  }

  /** The blob made at set-up read in a new session. */
  Answer getKnown() {
    return ask(() -> get(known, knownBytes));
  }

  /** A new small blob put. */
  Answer putOnly() {
    return ask(() -> {
      put(new SeededBlob(random.nextLong(), PROBE_BYTES));
      return Result.WORKED;
    });
  }

  private BlobId put(SeededBlob blob) throws Exception {
    try (CachetClient c = CachetClient.open(config, identity, descriptorCache); InputStream in = blob.stream()) {
      StoredObject stored = c.put(in, blob.size(), policy, config.defaultEpochs());
      return stored.blobId();
    }
  }

  private Result get(BlobId id, SeededBlob blob) throws Exception {
    try (CachetClient c = CachetClient.open(config, identity, descriptorCache); InputStream in = c.open(id)) {
      return blob.firstDifference(in, 0, blob.size()) < 0 ? Result.WORKED : Result.WRONG_BYTES;
    }
  }

  private interface Question {
    Result ask() throws Exception;
  }

  private Answer ask(Question q) {
    long start = System.nanoTime();
    Future<Result> f = pool.submit(q::ask);
    try {
      Result r = f.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
      return new Answer(r, "", Duration.ofNanos(System.nanoTime() - start));
    } catch (ExecutionException e) {
      return new Answer(Result.FAILED_CLEANLY, Outcomes.reasonOf(e.getCause()), Duration.ofNanos(System.nanoTime()
          - start));
    } catch (TimeoutException e) {
      f.cancel(true);
      return new Answer(Result.HUNG, "", Duration.ofNanos(System.nanoTime() - start));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      return new Answer(Result.HUNG, "interrupted", Duration.ofNanos(System.nanoTime() - start));
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
