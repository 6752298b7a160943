package io.cachet.common.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids of signed requests a server has taken, each kept until no request carrying it could
 * still pass the server's timestamp check: after that, a replay is refused as stale anyway. The one
 * replay memory of the key servers (request ids, per requester) and the storage nodes (write
 * nonces, per publisher). Bounded: when {@code capacity} ids are live at once, new ones are refused
 * ({@link Result#FULL}, fail closed) rather than old ones forgotten early. Thread-safe.
 */
public final class SeenIds {
  /** What {@link #remember} found. */
  public enum Result {
    /** Not seen within its window: now remembered. */
    FRESH,
    /** Seen before and still within its window. */
    REPLAYED,
    /** Too many ids are live to remember one more. */
    FULL
  }

  private final int capacity;
  private final ConcurrentHashMap<String, Long> expiries = new ConcurrentHashMap<>();
  private final Object sweeping = new Object();

  public SeenIds(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
  }

  /** Records {@code id} until {@code expiresAtMillis}, unless it is live already. */
  public Result remember(String id, long expiresAtMillis, long nowMillis) {
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
    boolean[] seen = new boolean[1];
    expiries.compute(id, (key, old) -> {
      if (old != null && old >= nowMillis) {
        seen[0] = true;
        return old;
      }
      return expiresAtMillis;
    });
    return seen[0] ? Result.REPLAYED : Result.FRESH;
  }

  /** Forgets the ids that have expired. */
  public void sweep(long nowMillis) {
    expiries.values().removeIf(expiry -> expiry < nowMillis);
  }

  /** Ids remembered now, expired ones not yet swept included. */
  public int size() {
    return expiries.size();
  }
}
