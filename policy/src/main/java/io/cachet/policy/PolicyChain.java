package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;

/**
 * The writing side of a policy ledger, as an owner or admin uses it, and what a client needs to
 * seal under its policies. The embedded ledger (transactions to its sequencer) and an EVM chain
 * (transactions to the stock policy contracts) each implement it, so the client and the CLI work
 * the same on either.
 *
 * <p>Every write returns once the block holding it is included, with that block's height; key
 * servers decide on it from that height on (on an EVM chain, once it is their confirmation depth
 * deep). A refused write throws a {@link CachetSecurityException} whose reason is a
 * {@link Reason} name; an unreachable chain throws {@link IOException}.
 */
public interface PolicyChain extends AutoCloseable {
  /** The chain: the embedded ledger's id, or {@code eip155:<chain id>}. */
  String ledgerId();

  /** The ledger id an envelope sealed under one of this chain's stock policies names. */
  String envelopeLedgerId();

  /** The acting identity's address on this chain. */
  Address address();

  PolicyId createAllowList() throws IOException, CachetSecurityException;

  PolicyId createTimeLock(Instant unlockAt) throws IOException, CachetSecurityException;

  /**
   * A token gate over {@code token}. Where a chain has no tokens (the embedded ledger) it throws
   * {@link UnsupportedOperationException} naming what is needed.
   */
  PolicyId createTokenGate(TokenGate.Standard standard, Address token, BigInteger minimum)
      throws IOException, CachetSecurityException;

  /** A composite over {@code parts}; unsupported as {@link #createTokenGate} is. */
  PolicyId createComposite(Composite.Mode mode, List<PolicyRef> parts) throws IOException, CachetSecurityException;

  long grant(PolicyId policy, Address member, Window window) throws IOException, CachetSecurityException;

  long changeWindow(PolicyId policy, Address member, Window window) throws IOException, CachetSecurityException;

  long revoke(PolicyId policy, Address member) throws IOException, CachetSecurityException;

  long addAdmin(PolicyId policy, Address admin) throws IOException, CachetSecurityException;

  long removeAdmin(PolicyId policy, Address admin) throws IOException, CachetSecurityException;

  long transferOwnership(PolicyId policy, Address newOwner) throws IOException, CachetSecurityException;

  /**
   * The policy as the chain holds it at its newest block; a {@link CachetSecurityException} with
   * reason {@code UNKNOWN_POLICY} if there is none.
   */
  Policy policy(PolicyId id) throws IOException, CachetSecurityException;

  /** Most policies {@link #managedBy} answers: a listing of more would be read by nobody. */
  int MAX_MANAGED_LISTED = 1000;

  /**
   * The policies {@code who} owns or administers at the newest block, sorted by id, at most
   * {@link #MAX_MANAGED_LISTED} of them (the first by id). Read-only: a chain opened for any
   * identity answers it for any address.
   */
  List<PolicySummary> managedBy(Address who) throws IOException, CachetSecurityException;

  /** The newest block: its height and its time (epoch milliseconds). */
  Head head() throws IOException;

  /** A block as a writer sees it. */
  record Head(long height, long timeMillis) {}

  @Override
  void close();
}
