package io.cachet.keyserver;

import io.cachet.common.http.SeenIds;
import io.cachet.crypto.Address;

/**
 * The requests a key server has answered, by requester and request id, each kept until no request
 * carrying it could still pass the timestamp check (its timestamp plus the request window): after
 * that, a replay is refused as stale anyway. Bounded: when {@code capacity} ids are live at once,
 * new requests are refused (fail closed) rather than old ids forgotten early ({@link SeenIds}).
 *
 * <p>Keyed by requester: a request id is remembered only under the address whose certificate
 * signed it, so one requester cannot use up another's ids by sending them first. The cache lives in
 * memory; a restarted server seeds it from its audit log, and the restart floor in {@link Releaser}
 * (no request stamped before the server started is answered) covers what a lost log tail forgot.
 */
final class ReplayCache {
  private final SeenIds seen;

  ReplayCache(int capacity) {
    this.seen = new SeenIds(capacity);
  }

  /** Records {@code requestId} of {@code requester} until {@code expiresAtMillis}, unless it is already live. */
  SeenIds.Result remember(Address requester, String requestId, long expiresAtMillis, long nowMillis) {
    // an address has a fixed length, so the pair reads back one way only
    return seen.remember(requester + "/" + requestId, expiresAtMillis, nowMillis);
  }

  /** Forgets the ids that have expired. */
  void sweep(long nowMillis) {
    seen.sweep(nowMillis);
  }

  int size() {
    return seen.size();
  }
}
