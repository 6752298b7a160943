package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.check.CheckReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one soak run found: everything its report says, and whether it passed.
 *
 * @param profile the profile run
 * @param seed the run's seed
 * @param dir the run's directory
 * @param shape the network's shape, in words
 * @param wall the whole run, network start to checker's end
 * @param outcomes operations: "kind|outcome|reason" to how many
 * @param untypedFailures for failures without a typed reason code, the first one's messages
 * @param injected fault rounds by kind
 * @param rounds every round as played
 * @param recoveries recovery times after each round, by round kind
 * @param finalRecovery from the last fault's end until every part was healthy and a put and a get worked; null if never
 * @param repaired whether a repair pass of the gateway ended between the final recovery and the check
 * @param cleanFailures what the rounds beyond tolerance showed
 * @param check the checker's report; null if it could not run ({@code checkError} says why)
 * @param checkError why the checker could not run, or null
 * @param memory resident memory series by part
 * @param memoryViolations series that broke the memory rule
 * @param problems findings of the harness itself: a part that would not restart, no recovery, a hang
 * @param unrecordedTxs acknowledged transactions whose nonce could not be had (not checked)
 */
record SoakResult(SoakProfile profile, long seed, Path dir, String shape, Duration wall, Map<String, Long> outcomes,
    Map<String, String> untypedFailures,
    Map<String, Integer> injected, List<String> rounds, Map<String, List<Duration>> recoveries, Duration finalRecovery,
    boolean repaired,
    List<FaultInjector.CleanFailure> cleanFailures, CheckReport check, String checkError,
    Map<String, List<MemoryWatch.Series>> memory, List<String> memoryViolations, List<String> problems,
    long unrecordedTxs) {
  /** Longest the final recovery may take for a run to pass. */
  static final Duration FINAL_RECOVERY_BOUND = FaultInjector.RECOVERY_BOUND;

  /** Gets that returned bytes other than the ones put. */
  long wrongBytes() {
    return outcomes.entrySet().stream().filter(e -> e.getKey().contains("|" + Outcomes.Outcome.WRONG_BYTES + "|"))
        .mapToLong(Map.Entry::getValue).sum();
  }

  /** Invariant violations: the checker's, and wrong bytes seen by the load (0 for a run that passed). */
  long violations() {
    return (check == null ? 0 : check.violations().size()) + wrongBytes();
  }

  /** Why the run failed, one line each; empty if it passed. */
  List<String> failures() {
    List<String> out = new ArrayList<>();
    if (check == null) {
      out.add("the checker could not run: " + checkError);
    } else if (!check.ok()) {
      out.add(check.violations().size() + " invariant violations");
    }
    if (wrongBytes() > 0) {
      out.add(wrongBytes() + " gets returned wrong bytes");
    }
    if (finalRecovery == null || finalRecovery.compareTo(FINAL_RECOVERY_BOUND) > 0) {
      out.add("no recovery within " + FINAL_RECOVERY_BOUND.toSeconds() + " s of the last fault");
    }
    out.addAll(memoryViolations.stream().map(m -> "memory: " + m).toList());
    out.addAll(problems);
    return out;
  }

  boolean passed() {
    return failures().isEmpty();
  }
}
