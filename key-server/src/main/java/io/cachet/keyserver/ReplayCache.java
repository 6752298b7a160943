package io.cachet.keyserver;

import io.cachet.crypto.Address;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests a key server has answered, by requester and request id, each kept until no request
 * carrying it could still pass the timestamp check (its timestamp plus the request window): after
 * that, a replay is refused as stale anyway. Bounded: when {@code capacity} ids are live at once,
 * new requests are refused (fail closed) rather than old ids forgotten early.
 *
 * <p>Keyed by requester: a request id is remembered only under the address whose certificate
 * signed it, so one requester cannot use up another's ids by sending them first. The cache lives in
 * memory only; what it forgets at a restart is covered by the restart floor in {@link Releaser}
 * (no request stamped before the server started is answered).
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

  /** Records {@code requestId} of {@code requester} until {@code expiresAtMillis}, unless it is already live. */
  Result remember(Address requester, String requestId, long expiresAtMillis, long nowMillis) {
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
    expiries.compute(key(requester, requestId), (id, old) -> {
      if (old != null && old >= nowMillis) {
        seen[0] = old;
        return old;
      }
      return expiresAtMillis;
    });
    return seen[0] != null ? Result.REPLAYED : Result.FRESH;
  }

  /** Requester and id in one string: an address has a fixed length, so the pair reads back one way only. */
  private static String key(Address requester, String requestId) {
    return requester + "/" + requestId;
  }

  /** Forgets the ids that have expired. */
  void sweep(long nowMillis) {
    expiries.values().removeIf(expiry -> expiry < nowMillis);
  }

  int size() {
    return expiries.size();
  }
}
