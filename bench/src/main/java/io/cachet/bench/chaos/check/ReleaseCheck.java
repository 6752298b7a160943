package io.cachet.bench.chaos.check;

import io.cachet.bench.chaos.check.AuditReleases.Release;
import io.cachet.bench.chaos.check.CheckReport.Invariant;
import io.cachet.policy.Block;
import io.cachet.policy.Decision;
import io.cachet.policy.LedgerState;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

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
 *       allows the requester (a missing policy does not);
 *   <li>the view was not provably stale: no block above the height is stamped at or before the
 *       server's decision time minus the staleness bound and the clock tolerance ({@link #STALE_VIEW}).
 * </ol>
 *
 * The first rule broken is the violation reported. A key server ends a window at the later of
 * ledger time and its own clock, which is stricter; the checker's rule is the chain's alone, so
 * what it flags no honest key server could have released. The stale-view rule compares the
 * server's own clock (the entry's decision time) with ledger time, so a server whose clock a
 * soak skewed forward is given that skew as tolerance.
 *
 * <p>Releases are checked in ascending height through one {@link ChainHistory.Replay}, so the
 * chain is replayed once whatever the number of releases.
 */
public final class ReleaseCheck {
  private ReleaseCheck() {}

  /** Reason code opening the violation of a release decided on a view provably older than the staleness bound. */
  public static final String STALE_VIEW = "STALE_VIEW";
  /** The key servers' default staleness bound (KEYSERVER.md, {@code staleness-bound}). */
  public static final Duration DEFAULT_STALENESS_BOUND = Duration.ofMinutes(2);

  /**
   * Checks every release against {@code chain} with the default staleness bound and no clock
   * tolerance, adding counts and violations to {@code report}.
   */
  public static void check(ChainHistory chain, List<Release> releases, CheckReport.Builder report) {
    check(chain, releases, DEFAULT_STALENESS_BOUND, Duration.ZERO, report);
  }

  /**
   * Checks every release against {@code chain}, adding counts and violations to {@code report}.
   * {@code clockTolerance} is how far the deciding server's clock may be ahead of the ledger's
   * (the largest clock offset a soak injected): a view is only called stale beyond bound plus it.
   */
  public static void check(ChainHistory chain, List<Release> releases, Duration stalenessBound,
      Duration clockTolerance, CheckReport.Builder report) {
    long staleAfterMillis = stalenessBound.toMillis() + clockTolerance.toMillis();
    List<Release> ordered = releases.stream()
        .sorted(Comparator.comparingLong(Release::height).thenComparing(Release::server)
            .thenComparingLong(Release::sequence))
        .toList();
    ChainHistory.Replay replay = chain.replay();
    for (Release r : ordered) {
      String wrong = judge(chain, replay, r);
      if (wrong == null) {
        wrong = staleView(chain, r, staleAfterMillis);
      }
      if (wrong == null) {
        report.checked(Invariant.NO_UNAUTHORIZED_RELEASE);
      } else {
        report.violation(Invariant.NO_UNAUTHORIZED_RELEASE, r.server(), r.sequence(), r.height(), wrong);
      }
    }
  }

  /**
   * Why the release was decided on a provably stale view, or null. Block timestamps never go
   * down, so if any block above the release's height is stamped at or before {@code recordedAt -
   * bound - tolerance}, block h + 1 is: the ledger had moved on more than the bound before the
   * server decided, and a server keeping to its bound would have refused.
   */
  private static String staleView(ChainHistory chain, Release r, long staleAfterMillis) {
    Optional<Block> next = chain.block(r.height() + 1);
    if (next.isEmpty() || next.get().timestamp() > r.recordedAt() - staleAfterMillis) {
      return null;
    }
    return STALE_VIEW + ": decided at height " + r.height() + " at " + r.recordedAt() + ", but block "
        + (r.height() + 1) + " was stamped " + next.get().timestamp() + ", " + (r.recordedAt() - next.get().timestamp())
        + " ms before, beyond the staleness bound and clock tolerance (" + staleAfterMillis + " ms)";
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
