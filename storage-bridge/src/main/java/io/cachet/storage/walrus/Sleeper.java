package io.cachet.storage.walrus;

import java.time.Duration;

/** Waits between attempts; tests pass one that records the waits instead of sleeping. */
@FunctionalInterface
interface Sleeper {
  Sleeper REAL = d -> {
    if (!d.isZero() && !d.isNegative()) {
      Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
    }
  };

  void sleep(Duration d) throws InterruptedException;
}
