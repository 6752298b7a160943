package io.cachet.storage.network;

/**
 * The network's epochs: epoch {@code e} covers [genesis + e * length, genesis + (e + 1) * length).
 * Time is always passed in, so tests and the devnet move through epochs without sleeping.
 * A blob stored "for N epochs" in epoch {@code e} lives until {@code endEpoch = e + N}, exclusive.
 */
public record EpochSchedule(long genesisMillis, long epochMillis, int maxEpochsAhead) {
  public EpochSchedule {
    if (epochMillis < 1) {
      throw new IllegalArgumentException("an epoch lasts at least 1 ms");
    }
    if (maxEpochsAhead < 1) {
      throw new IllegalArgumentException("maxEpochsAhead must be at least 1");
    }
  }

  public long epochAt(long nowMillis) {
    return nowMillis < genesisMillis ? 0 : (nowMillis - genesisMillis) / epochMillis;
  }

  public long epochStartMillis(long epoch) {
    return genesisMillis + epoch * epochMillis;
  }
}
