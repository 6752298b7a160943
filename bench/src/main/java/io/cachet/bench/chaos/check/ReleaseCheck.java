package io.cachet.bench.chaos.check;

import io.cachet.bench.chaos.check.AuditReleases.Release;
import io.cachet.bench.chaos.check.CheckReport.Invariant;
import io.cachet.policy.Decision;
import io.cachet.policy.LedgerState;
import java.util.Comparator;
import java.util.List;

/**
 * No unauthorized release: each release an audit log records must be justified by the chain
 * alone at the height its entry (and so its receipt) names. For each release, in order:
 *
 * <ol>
 *   <li>it names the trusted ledger (a release under another ledger id, or none, is unjustified here);
 *   <li>it names a requester;
 *   <li>the height is in the chain (not -1, not beyond the head);
 *   <li>the ledger time it records is that block's timestamp;
 *   <li>the policy, evaluated on the state after that block at that ledger time
 *       ({@link LedgerState#evaluate(io.cachet.crypto.PolicyId, io.cachet.crypto.Address, long, long)}),
 *       allows the requester (a missing policy does not).
 * </ol>
 *
 * The first rule broken is the violation reported. A key server ends a window at the later of
 * ledger time and its own clock, which is stricter; the checker's rule is the chain's alone, so
 * what it flags no honest key server could have released.
 *
 * <p>Releases are checked in ascending height through one {@link ChainHistory.Replay}, so the
 * chain is replayed once whatever the number of releases.
 */
public final class ReleaseCheck {
  private ReleaseCheck() {}

  /** Checks every release against {@code chain}, adding counts and violations to {@code report}. */
  public static void check(ChainHistory chain, List<Release> releases, CheckReport.Builder report) {
    List<Release> ordered = releases.stream()
        .sorted(Comparator.comparingLong(Release::height).thenComparing(Release::server)
            .thenComparingLong(Release::sequence))
        .toList();
    ChainHistory.Replay replay = chain.replay();
    for (Release r : ordered) {
      report.checked(Invariant.NO_UNAUTHORIZED_RELEASE);
      String wrong = judge(chain, replay, r);
      if (wrong != null) {
        report.violation(Invariant.NO_UNAUTHORIZED_RELEASE, r.server(), r.sequence(), r.height(), wrong);
      }
    }
  }

  /** What is wrong with a release, or null if the chain justifies it. */
  private static String judge(ChainHistory chain, ChainHistory.Replay replay, Release r) {
    if (!chain.ledgerId().equals(r.ledgerId())) {
      return r.ledgerId().isEmpty() ? "the release names no ledger (an entry of format 1): nothing justifies it"
          : "the release names ledger " + r.ledgerId() + ", not the soak's " + chain.ledgerId();
    }
    if (r.requester() == null) {
      return "the release names no requester";
    }
    if (r.height() < 0 || r.height() > chain.head()) {
      return "the release names height " + r.height() + ", but the chain's head is " + chain.head();
    }
    long blockTime = chain.ledgerTime(r.height());
    if (blockTime != r.ledgerTime()) {
      return "the release records ledger time " + r.ledgerTime() + ", but block " + r.height() + " is stamped "
          + blockTime;
    }
    LedgerState state = replay.stateAt(r.height());
    Decision d = state.evaluate(r.policy(), r.requester(), blockTime, r.height());
    if (!d.allowed()) {
      return "released share " + r.shareIndex() + " of object " + r.object() + " to " + r.requester()
          + ", but the chain at this height denies it (" + d.reason() + ": " + d.message() + ")";
    }
    return null;
  }
}
