package io.cachet.policy.evm;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Answers of policy contracts, keyed by (block hash, contract, policy, reader), so a release costs
 * at most one eth_call per key.
 *
 * <p>Guarantees: at most {@code capacity} answers are kept (the least recently used go first);
 * concurrent misses of one key share one load; an answer the {@code keep} test refuses (the chain
 * did not answer) is handed to the callers waiting on that load but not kept, so the next request
 * asks again. Keyed by block hash, an answer is never served for another block.
 */
final class DecisionCache<V> {
  /** One question to a policy contract at one block. */
  record Key(String blockHash, String contract, String policyId, String reader) {}

  private final int capacity;
  private final Predicate<V> keep;
  private final Map<Key, V> answers;
  private final ConcurrentHashMap<Key, CompletableFuture<V>> loading = new ConcurrentHashMap<>();

  DecisionCache(int capacity, Predicate<V> keep) {
    this.capacity = capacity;
    this.keep = keep;
    this.answers = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, V> eldest) {
        return size() > DecisionCache.this.capacity;
      }
    };
  }

  /**
   * The answer for {@code key}, loading it with {@code load} on a miss, on the caller's thread; a
   * concurrent caller of the same key waits for that load. {@code load} must not throw.
   */
  V get(Key key, Supplier<V> load) {
    synchronized (answers) {
      V v = answers.get(key);
      if (v != null) {
        return v;
      }
    }
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> theirs = loading.putIfAbsent(key, mine);
    if (theirs != null) {
      return theirs.join();
    }
    try {
      V v = load.get();
      if (keep.test(v)) {
        synchronized (answers) {
          answers.put(key, v);
        }
      }
      mine.complete(v);
      return v;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      loading.remove(key, mine);
    }
  }

  /** How many answers are kept now. */
  int size() {
    synchronized (answers) {
      return answers.size();
    }
  }
}
