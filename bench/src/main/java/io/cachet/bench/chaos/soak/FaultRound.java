package io.cachet.bench.chaos.soak;

import java.time.Duration;
import java.util.List;

/**
 * One round of faults: what is done, to which parts, for how long, and whether the round stays
 * within what the network tolerates (at most f nodes and n − t key servers affected, the ledger
 * and the gateway briefly) or goes beyond it.
 *
 * @param kind what is done
 * @param targets the parts it is done to
 * @param hold how long it lasts before it is lifted
 * @param beyond whether the round goes beyond tolerance
 * @param detail what else a person reading the report needs (the clock offset, the damaged file)
 */
record FaultRound(Kind kind, List<String> targets, Duration hold, boolean beyond, String detail) {
  /** The faults the soak injects, each against real processes. */
  enum Kind {
    /** SIGKILL, then a restart when lifted. */
    KILL,
    /** SIGSTOP, then SIGCONT when lifted. */
    PAUSE,
    /** The part's proxy holds every chunk. */
    PROXY_DELAY,
    /** The part's proxy swallows everything (a black hole). */
    PROXY_DROP,
    /** The part's proxy resets every connection. */
    PROXY_RESET,
    /** The part's proxy resets for a while, then passes by itself. */
    PROXY_CUT,
    /** The small disk under a node's data is filled; the filler is removed when lifted. */
    DISK_FULL,
    /** The part restarts with its clock offset; restarts without it when lifted. */
    CLOCK_OFFSET,
    /** Bytes of one of a node's shard files are flipped; repair must notice. */
    SHARD_CORRUPT
  }

  FaultRound {
    targets = List.copyOf(targets);
  }

  /** One line for the log and the report. */
  String describe() {
    return kind + " " + String.join(",", targets) + " for " + hold.toMillis() + " ms" + (beyond ? " (beyond)" : "")
        + (detail.isEmpty() ? "" : " " + detail);
  }
}
