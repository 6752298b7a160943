package io.cachet.policy.evm;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Answers of policy contracts, keyed by (block hash, contract, policy, reader), so a release costs
 * at most one eth_call per key (Caffeine).
 *
 * <p>Guarantees: about {@code capacity} answers are kept (Caffeine's size-based eviction);
 * concurrent misses of one key share one load, run on the first caller's thread; an answer the
 * {@code keep} test refuses (the chain did not answer) is handed to the callers waiting on that
 * load but not kept, so the next request asks again. Keyed by block hash, an answer is never
 * served for another block.
 */
final class DecisionCache<V> {
  /** One question to a policy contract at one block. */
  record Key(String blockHash, String contract, String policyId, String reader) {}

  private final Predicate<V> keep;
  private final AsyncCache<Key, V> answers;

  DecisionCache(int capacity, Predicate<V> keep) {
    this.keep = keep;
    this.answers = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).buildAsync();
  }

  /**
   * The answer for {@code key}, loading it with {@code load} on a miss, on the caller's thread; a
   * concurrent caller of the same key waits for that load. {@code load} must not throw.
   */
  V get(Key key, Supplier<V> load) {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> shared = answers.asMap().putIfAbsent(key, mine);
    if (shared != null) {
      return shared.join();
    }
    try {
      V v = load.get();
      mine.complete(v);
      if (!keep.test(v)) {
        answers.asMap().remove(key, mine);
      }
      return v;
    } catch (RuntimeException | Error e) {
      answers.asMap().remove(key, mine);
      mine.completeExceptionally(e);
      throw e;
    }
  }

  /** How many answers are kept now (loads under way included). */
  int size() {
    answers.synchronous().cleanUp();
    return (int) answers.synchronous().estimatedSize();
  }
}
