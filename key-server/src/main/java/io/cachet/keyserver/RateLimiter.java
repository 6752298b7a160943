package io.cachet.keyserver;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Token buckets, one per key (a client IP address, a requester address): each holds up to
 * {@code burst} tokens and refills at {@code rate} per second. A rate of 0 turns the limiter off.
 *
 * <p>Memory is bounded: once more than {@link #MAX_KEYS} keys are tracked, buckets that have
 * refilled completely (whose holders have been quiet) are dropped, which forgets nothing a
 * limit depends on.
 */
final class RateLimiter {
  /** Keys tracked before full buckets are swept out. */
  static final int MAX_KEYS = 100_000;

  private final double ratePerNano;
  private final double rate;
  private final int burst;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<Object, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long last;

    Bucket(double tokens, long last) {
      this.tokens = tokens;
      this.last = last;
    }
  }

  RateLimiter(double ratePerSecond, int burst, LongSupplier nanoTime) {
    if (ratePerSecond < 0 || burst < 1) {
      throw new IllegalArgumentException("rate must be >= 0 and burst >= 1");
    }
    this.rate = ratePerSecond;
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.nanoTime = nanoTime;
  }

  boolean enabled() {
    return rate > 0;
  }

  /**
   * Takes {@code permits} tokens from {@code key}'s bucket (at most {@code burst}: a batch larger
   * than the burst costs the whole burst). Returns 0 if they were taken, otherwise the whole
   * seconds to wait before they would be there (at least 1), taking nothing.
   */
  long tryAcquire(Object key, int permits) {
    if (rate == 0) {
      return 0;
    }
    double want = Math.min(permits, burst);
    long now = nanoTime.getAsLong();
    if (buckets.size() > MAX_KEYS) {
      sweep(now);
    }
    Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
    synchronized (b) {
      refill(b, now);
      if (b.tokens >= want) {
        b.tokens -= want;
        return 0;
      }
      double missing = want - b.tokens;
      return Math.max(1, (long) Math.ceil(missing / rate));
    }
  }

  private void refill(Bucket b, long now) {
    long elapsed = now - b.last;
    if (elapsed > 0) {
      b.tokens = Math.min(burst, b.tokens + elapsed * ratePerNano);
      b.last = now;
    }
  }

  /** Drops the buckets that are full again. */
  void sweep(long now) {
    buckets.entrySet().removeIf(e -> {
      Bucket b = e.getValue();
      synchronized (b) {
        refill(b, now);
        return b.tokens >= burst;
      }
    });
  }

  int trackedKeys() {
    return buckets.size();
  }
}
