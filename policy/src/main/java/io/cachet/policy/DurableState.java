package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Operation.AddAdmin;
import io.cachet.policy.Operation.AddMember;
import io.cachet.policy.Operation.ChangeWindow;
import io.cachet.policy.Operation.CreateAllowList;
import io.cachet.policy.Operation.CreateTimeLock;
import io.cachet.policy.Operation.RecordCertificate;
import io.cachet.policy.Operation.RemoveAdmin;
import io.cachet.policy.Operation.RemoveMember;
import io.cachet.policy.Operation.TransferOwnership;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sequencer's state as of its newest durable block, for answering readers: a policy, a nonce
 * or a certificate is never shown before the block that made it is in the journal.
 *
 * <p>Design. The sequencer applies each transaction to its working {@link LedgerState} while it
 * builds a block, before the block's fsync. Keeping a second state would double the cost of
 * applying (certificates carry up to 64 signatures each), so instead, just before each
 * transaction is applied, the entries it can change (its sender's nonce, the policy it names or
 * creates, the certificate it records) are saved as they were, in the block's undo set. Readers
 * read the working state and then look in the undo set: an entry saved there is answered with its
 * saved, durable value. Once the block is durable the undo set is dropped.
 *
 * <p>Why a reader never sees a value ahead of the journal: the undo entry is written before the
 * working entry changes, and the undo set is dropped only after the block is durable. A reader
 * that sees a changed working entry (the state's maps are concurrent, so that read happens after
 * the change) therefore finds the undo entry, unless the block is already durable.
 *
 * <p>Threads: the commit loop calls {@link #beforeApply} and {@link #madeDurable}; any thread reads.
 */
public final class DurableState {
  /** What the entries the block in flight changes were before it. */
  private static final class Undo {
    final Map<PolicyId, Optional<Policy>> policies = new ConcurrentHashMap<>();
    final Map<Address, Long> nonces = new ConcurrentHashMap<>();
    final Map<String, Optional<LedgerState.Certificate>> certificates = new ConcurrentHashMap<>();
  }

  private final LedgerState working;
  /** The block in flight's undo set; null when every applied block is durable. */
  private volatile Undo inFlight;

  DurableState(LedgerState working) {
    this.working = working;
  }

  /** The policy as of the newest durable block, or null if it did not exist then. */
  public Policy policy(PolicyId id) {
    Policy now = working.policy(id);
    Undo u = inFlight;
    Optional<Policy> before = u == null ? null : u.policies.get(id);
    return before != null ? before.orElse(null) : now;
  }

  /** The sender's next nonce as of the newest durable block. */
  public long nextNonce(Address sender) {
    long now = working.nextNonce(sender);
    Undo u = inFlight;
    Long before = u == null ? null : u.nonces.get(sender);
    return before != null ? before : now;
  }

  /**
   * The policies {@code who} owns or administers as of the newest durable block, sorted by id, at
   * most {@code limit} of them (one more is looked for, so the caller can tell the list was cut).
   * It walks every policy: callers run it off the event loop.
   */
  public List<Policy> managedBy(Address who, int limit) {
    List<Policy> out = new ArrayList<>();
    for (PolicyId id : working.policyIds()) {
      Policy p = policy(id);
      if (p != null && p.isManagedBy(who)) {
        out.add(p);
      }
    }
    out.sort(Comparator.comparing(p -> p.id().toString()));
    return out.size() > limit + 1 ? out.subList(0, limit + 1) : out;
  }

  /** The certificate as of the newest durable block, or null if none was recorded by then. */
  public LedgerState.Certificate certificate(String blobId) {
    LedgerState.Certificate now = working.certificate(blobId);
    Undo u = inFlight;
    Optional<LedgerState.Certificate> before = u == null ? null : u.certificates.get(blobId);
    return before != null ? before.orElse(null) : now;
  }

  /** Saves what {@code tx} may change, as it is now; the commit loop calls it just before applying. */
  void beforeApply(Transaction tx) {
    Undo u = inFlight;
    if (u == null) {
      u = new Undo();
      inFlight = u;
    }
    u.nonces.putIfAbsent(tx.sender(), working.nextNonce(tx.sender()));
    PolicyId policy = changedPolicy(tx);
    if (policy != null) {
      u.policies.putIfAbsent(policy, Optional.ofNullable(working.policy(policy)));
    }
    if (tx.operation() instanceof RecordCertificate c) {
      String blobId = Base64Url.encode(c.blobId());
      u.certificates.putIfAbsent(blobId, Optional.ofNullable(working.certificate(blobId)));
    }
  }

  /** Every block applied so far is durable: readers may see the working state as it is. */
  void madeDurable() {
    inFlight = null;
  }

  /** The policy {@code tx} creates or changes, or null if it touches none. */
  private static PolicyId changedPolicy(Transaction tx) {
    Operation op = tx.operation();
    if (op instanceof CreateAllowList || op instanceof CreateTimeLock) {
      return LedgerState.policyIdFor(tx.ledger(), tx.sender(), tx.nonce());
    } else if (op instanceof AddMember a) {
      return a.policy();
    } else if (op instanceof RemoveMember r) {
      return r.policy();
    } else if (op instanceof ChangeWindow c) {
      return c.policy();
    } else if (op instanceof AddAdmin a) {
      return a.policy();
    } else if (op instanceof RemoveAdmin r) {
      return r.policy();
    } else if (op instanceof TransferOwnership t) {
      return t.policy();
    }
    return null;
  }
}
