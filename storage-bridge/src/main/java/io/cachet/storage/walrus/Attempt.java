package io.cachet.storage.walrus;

import io.cachet.storage.StorageException;
import java.time.Duration;

/**
 * One attempt of a store or read: a value, or a failure that says how many attempts in all it
 * allows (1 for a failure that retrying cannot fix) and, when the server or the failure itself
 * names one, how long to wait before the next.
 *
 * @param pause the wait before the next attempt; null for the policy's backoff
 * @param serverAsked whether {@code pause} is what the server's Retry-After asked for (capped later)
 * @param notRetried why a failure that would otherwise be retried was not; null when it was
 */
record Attempt<T>(T value, StorageException failure, int attemptsAllowed, Duration pause, boolean serverAsked,
    String notRetried) {

  static <T> Attempt<T> ok(T value) {
    return new Attempt<>(value, null, 0, null, false, null);
  }

  /** A failure retrying cannot fix. */
  static <T> Attempt<T> fail(StorageException failure) {
    return new Attempt<>(null, failure, 1, null, false, null);
  }

  /** A failure worth {@code attemptsAllowed} attempts in all; {@code retryAfter} is the server's ask or null. */
  static <T> Attempt<T> retry(StorageException failure, int attemptsAllowed, Duration retryAfter) {
    return new Attempt<>(null, failure, attemptsAllowed, retryAfter, retryAfter != null, null);
  }

  /** A failure retried after a fixed wait of ours, whatever the backoff schedule says. */
  static <T> Attempt<T> retryAfterFixedWait(StorageException failure, int attemptsAllowed, Duration wait) {
    return new Attempt<>(null, failure, attemptsAllowed, wait, false, null);
  }

  static <T> Attempt<T> notRetried(StorageException failure, String why) {
    return new Attempt<>(null, failure, 1, null, false, why);
  }
}
