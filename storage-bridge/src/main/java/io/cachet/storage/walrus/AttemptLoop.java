package io.cachet.storage.walrus;

import io.cachet.storage.StorageException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs attempts until one yields a value or a failure whose allowance of attempts is used up, and
 * waits between them as the {@link RetryPolicy} (or the server's Retry-After, or the failure's own
 * fixed wait) says. The final exception always states the number of attempts made.
 */
final class AttemptLoop {
  private static final Logger log = LoggerFactory.getLogger(WalrusBlobStore.class);

  private final RetryPolicy retry;
  private final Sleeper sleeper;

  AttemptLoop(RetryPolicy retry, Sleeper sleeper) {
    this.retry = retry;
    this.sleeper = sleeper;
  }

  <T> T run(String what, Supplier<Attempt<T>> fn) throws StorageException {
    for (int attempt = 1; ; attempt++) {
      Attempt<T> a = fn.get();
      StorageException failure = a.failure();
      if (failure == null) {
        return a.value();
      }
      if (attempt >= a.attemptsAllowed()) {
        throw giveUp(failure, attempt, a);
      }
      if (Thread.currentThread().isInterrupted()) {
        throw Transport.interrupted(what, null);
      }
      Duration wait = a.pause() == null ? retry.backoff(attempt)
          : a.serverAsked() ? retry.retryAfter(a.pause()) : a.pause();
      log.info("{}: attempt {} of {} failed ({}{}); retrying in {} ms{}", what, attempt, a.attemptsAllowed(),
          failure.reason(), failure.httpStatus() > 0 ? ", HTTP " + failure.httpStatus() : "", wait.toMillis(),
          a.serverAsked() ? " as Retry-After asks" : "");
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Transport.interrupted(what, e);
      }
    }
  }

  private static StorageException giveUp(StorageException failure, int attempts, Attempt<?> a) {
    String count = attempts + (attempts == 1 ? " attempt" : " attempts");
    String note;
    if (a.notRetried() != null) {
      note = " (" + count + "; not retried: " + a.notRetried() + ")";
    } else if (a.attemptsAllowed() > 1) {
      note = " (gave up after " + count + ")";
    } else {
      note = " (" + count + ")";
    }
    return new StorageException(failure.reason(), failure.httpStatus(), failure.getMessage() + note,
        failure.getCause());
  }
}
