package io.cachet.keyserver;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The request ids a key server has answered, each kept until no request carrying it could still
 * pass the timestamp check (its timestamp plus the request window): after that, a replay is
 * refused as stale anyway. Bounded: when {@code capacity} ids are live at once, new requests are
 * refused (fail closed) rather than old ids forgotten early.
 */
final class ReplayCache {
  enum Result {
    FRESH,
    REPLAYED,
    FULL
  }

  private final int capacity;
  private final ConcurrentHashMap<String, Long> expiries = new ConcurrentHashMap<>();
  private final Object sweeping = new Object();

  ReplayCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
  }

  /** Records {@code requestId} until {@code expiresAtMillis}, unless it is already live. */
  Result remember(String requestId, long expiresAtMillis, long nowMillis) {
    if (expiries.size() >= capacity) {
      synchronized (sweeping) {
        if (expiries.size() >= capacity) {
          sweep(nowMillis);
        }
      }
      if (expiries.size() >= capacity) {
        return Result.FULL;
      }
    }
    Long[] seen = new Long[1];
    expiries.compute(requestId, (id, old) -> {
      if (old != null && old >= nowMillis) {
        seen[0] = old;
        return old;
      }
      return expiresAtMillis;
    });
    return seen[0] != null ? Result.REPLAYED : Result.FRESH;
  }

  /** Forgets the ids that have expired. */
  void sweep(long nowMillis) {
    expiries.values().removeIf(expiry -> expiry < nowMillis);
  }

  int size() {
    return expiries.size();
  }
}
