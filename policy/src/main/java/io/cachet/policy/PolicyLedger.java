package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;

/**
 * What a key server needs from a chain: which envelopes' ledgers it decides for, how current its
 * view is, and an access decision at that view. The embedded ledger's {@link Follower} implements
 * it, and so does {@code EvmPolicyLedger} for policy contracts on an EVM chain, without the key
 * server changing.
 *
 * <p>Guarantees: {@link #evaluate} decides at exactly the height and ledger time it reports in
 * the {@link Decision}, and never at a view older than {@link #view()} returned before the call.
 * Time locks and window starts are judged at that ledger time; a member's window end at the later
 * of that ledger time and the implementation's own clock, so a ledger that stops producing blocks
 * cannot stretch a grant. It does not promise the view is fresh: judging staleness against a
 * clock is the caller's job, with {@link LedgerView#ageMillis}.
 */
public interface PolicyLedger {
  /** The chain's id, as people and metrics name it (for an EVM chain {@code eip155:<chain id>}). */
  String ledgerId();

  /**
   * Whether this ledger decides for an envelope naming {@code envelopeLedgerId}: the embedded
   * ledger for its own id only; an EVM chain for any policy contract on its chain
   * ({@code eip155:<chain id>:<contract>}, see {@code EvmLedgerId}).
   */
  default boolean follows(String envelopeLedgerId) {
    return ledgerId().equals(envelopeLedgerId);
  }

  /** The newest block applied (height, ledger time), when it was applied, and when the chain last answered. */
  LedgerView view();

  /**
   * Whether {@code requester} may read under {@code policy} of the envelope's ledger
   * {@code envelopeLedgerId}, which this ledger {@link #follows}; never throws for an unknown
   * policy or an unreachable chain: it denies with a reason instead.
   */
  Decision evaluate(String envelopeLedgerId, PolicyId policy, Address requester);

  /**
   * A point in the chain as this node has it. {@code ledgerTime} is the newest block's timestamp
   * (the sequencer's clock); {@code appliedAt} and {@code lastContact} are this node's own clock:
   * when that block was applied, and when the chain last answered. Before the first block,
   * {@code height} is -1.
   */
  record LedgerView(long height, long ledgerTime, long appliedAt, long lastContact) {
    /**
     * How old this view is at {@code nowMillis} by this node's clock: measured from the older of
     * the block's timestamp and the moment it was applied, so neither a sequencer whose clock runs
     * ahead nor a follower that applied an old block late makes a dead ledger look fresh. Not
     * negative unless this node's clock went back since it applied the block.
     */
    public long ageMillis(long nowMillis) {
      return nowMillis - Math.min(ledgerTime, appliedAt);
    }
  }
}
