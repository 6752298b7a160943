package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;

/**
 * What a key server needs from a chain: its id, how current its view is, and an access decision
 * at that view. The embedded ledger's {@link Follower} implements it; an EVM or Sui chain can
 * implement it later without the key server changing.
 *
 * <p>Guarantees: {@link #evaluate} decides at exactly the height and ledger time it reports in
 * the {@link Decision}, and never at a view older than {@link #view()} returned before the call.
 * It does not promise the view is fresh: judging staleness against a clock is the caller's job.
 */
public interface PolicyLedger {
  /** The chain's id, as envelopes name it. */
  String ledgerId();

  /** The height and ledger time of the newest block applied, and when the chain was last heard from. */
  LedgerView view();

  Decision evaluate(PolicyId policy, Address requester);

  /** A point in the chain as this node has it. {@code lastContact} is local wall-clock milliseconds. */
  record LedgerView(long height, long ledgerTime, long lastContact) {}
}
