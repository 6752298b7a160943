package io.cachet.common.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what each remote address holds (connections, requests in flight, uploads) against a cap.
 * Safe to share among the verticle instances of one server, which run on different event loops:
 * taking and giving back a slot are single atomic map updates, and an address's entry disappears
 * when its count returns to zero, so the map holds only addresses that hold something.
 */
public final class ServerLimitsSlots {
  private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();

  /** Takes a slot for {@code address} if it holds fewer than {@code cap}; true when taken. */
  public boolean tryAcquire(String address, int cap) {
    boolean[] taken = {false};
    held.compute(address, (a, n) -> {
      int now = n == null ? 0 : n;
      if (now >= cap) {
        return n;
      }
      taken[0] = true;
      return now + 1;
    });
    return taken[0];
  }

  /** Gives back one slot of {@code address}; call exactly once per successful {@link #tryAcquire}. */
  public void release(String address) {
    held.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  /** Slots {@code address} holds now. */
  public int held(String address) {
    return held.getOrDefault(address, 0);
  }

  /** Slots held by all addresses together. */
  public int total() {
    return held.values().stream().mapToInt(Integer::intValue).sum();
  }
}
