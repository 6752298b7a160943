package io.cachet.storage.node;

import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time garbage collection judges expiry by: the node's clock, but credited only in steps that
 * look like time passing. Between two collections the clock is expected to move by about the GC
 * interval; a step forward of more than {@link #JUMP_FACTOR} intervals is a clock jump (a wrong
 * NTP answer, an operator's typo, a VM restored from an old snapshot run on a new host). It is
 * logged and not credited: collection carries on at the time it had reached, and a blob live
 * before the jump stays on disk until honest steps carry the collection time past its end. A step
 * backwards is not credited either (collection never moves back in time).
 *
 * <p>What this does not promise: a node started with a clock already wrong takes it as it is
 * (the start is the baseline; the grace period in {@link NodeStore#GC_GRACE_EPOCHS} is the only
 * margin then). A node whose event loop stalls for longer than {@link #JUMP_FACTOR} intervals
 * (a suspended machine) stops crediting that stretch: its collection lags, which keeps data
 * longer and never loses it. Not thread-safe: one collection runs at a time.
 */
final class CollectionClock {
  private static final Logger LOG = LoggerFactory.getLogger(CollectionClock.class);

  /** How many GC intervals one step may span before it counts as a jump. */
  static final int JUMP_FACTOR = 10;

  private final LongSupplier wallMillis;
  private final long longestStepMillis;
  private long lastWall;
  private long credited;

  CollectionClock(LongSupplier wallMillis, long gcIntervalMillis) {
    this.wallMillis = wallMillis;
    this.longestStepMillis = Math.multiplyExact(gcIntervalMillis, (long) JUMP_FACTOR);
    this.lastWall = wallMillis.getAsLong();
    this.credited = lastWall;
  }

  /** A reading: the time collection may judge by now, and how far the clock jumped uncredited in this step. */
  record Reading(long creditedMillis, long jumpMillis) {}

  /** Reads the clock and credits the step since the last reading, unless it was a jump. */
  Reading read(String nodeId) {
    long wall = wallMillis.getAsLong();
    long step = wall - lastWall;
    lastWall = wall;
    if (step >= 0 && step <= longestStepMillis) {
      credited += step;
      return new Reading(credited, 0);
    }
    if (step > 0) {
      LOG.warn("event=gc_clock_jump node={} aheadMillis={} limitMillis={} collectingAtMillis={} wallMillis={}",
          nodeId, step, longestStepMillis, credited, wall);
    } else {
      LOG.warn("event=gc_clock_back node={} backMillis={} collectingAtMillis={}", nodeId, -step, credited);
    }
    return new Reading(credited, step > 0 ? step : 0);
  }
}
