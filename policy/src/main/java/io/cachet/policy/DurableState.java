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
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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
 * <p>Who manages what. An index from each owner and admin to the ids of the policies they manage,
 * as of the newest durable block, lets {@link #managedBy} cost what it answers. It is derived
 * state: {@link #rebuildIndex} makes it from the replayed state at start, and {@link #madeDurable}
 * moves each policy the block changed from its managers before to its managers after. The index,
 * the durable height and the dropping of the undo set change together under one write lock, so a
 * reader holding the read lock sees a list and a height of the same block.
 *
 * <p>Threads: the commit loop calls {@link #beforeApply}, {@link #madeDurable} and
 * {@link #rebuildIndex}; any thread reads.
 */
public final class DurableState {
  /** Policy ids in the order answers list them: by their text. */
  private static final Comparator<PolicyId> BY_ID = Comparator.comparing(PolicyId::toString);
  /** What an address that manages nothing has. */
  private static final NavigableSet<PolicyId> EMPTY = Collections.emptyNavigableSet();
  /** What the entries the block in flight changes were before it. */
  private static final class Undo {
    final Map<PolicyId, Optional<Policy>> policies = new ConcurrentHashMap<>();
    final Map<Address, Long> nonces = new ConcurrentHashMap<>();
    final Map<String, Optional<LedgerState.Certificate>> certificates = new ConcurrentHashMap<>();
  }

  private final LedgerState working;
  /** The block in flight's undo set; null when every applied block is durable. */
  private volatile Undo inFlight;
  /** Ids of the policies each address owns or administers, as of the newest durable block. */
  private final Map<Address, NavigableSet<PolicyId>> managed = new HashMap<>();
  /** Guards {@link #managed} and {@link #height}, and orders them with the undo set's dropping. */
  private final ReadWriteLock indexLock = new ReentrantReadWriteLock();
  /** The newest durable block's height; -1 before the first. */
  private long height = -1;

  /** The policies an address manages as of one durable block, and whether the list was cut. */
  public record Managed(List<Policy> policies, boolean truncated, long height) {}

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
   * most {@code limit} of them, with that block's height. Costs what it answers, not the number of
   * policies on the ledger.
   */
  public Managed managedBy(Address who, int limit) {
    indexLock.readLock().lock();
    try {
      List<Policy> out = new ArrayList<>();
      boolean truncated = false;
      for (PolicyId id : managed.getOrDefault(who, EMPTY)) {
        if (out.size() == limit) {
          truncated = true;
          break;
        }
        Policy p = policy(id);
        if (p != null && p.isManagedBy(who)) {
          out.add(p);
        }
      }
      return new Managed(out, truncated, height);
    } finally {
      indexLock.readLock().unlock();
    }
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

  /**
   * Every block applied so far, up to {@code durableHeight}, is durable: readers may see the
   * working state as it is, and the index follows the policies the block changed.
   */
  void madeDurable(long durableHeight) {
    indexLock.writeLock().lock();
    try {
      Undo u = inFlight;
      if (u != null) {
        u.policies.forEach((id, before) -> {
          before.ifPresent(p -> managersOf(p).forEach(a -> unindex(a, id)));
          Policy after = working.policy(id);
          if (after != null) {
            managersOf(after).forEach(a -> managed.computeIfAbsent(a, x -> new TreeSet<>(BY_ID)).add(id));
          }
        });
      }
      height = durableHeight;
      inFlight = null;
    } finally {
      indexLock.writeLock().unlock();
    }
  }

  /** Makes the index from the working state, all of it durable: at start, after the journal's replay. */
  void rebuildIndex(long durableHeight) {
    indexLock.writeLock().lock();
    try {
      managed.clear();
      for (PolicyId id : working.policyIds()) {
        Policy p = working.policy(id);
        if (p != null) {
          managersOf(p).forEach(a -> managed.computeIfAbsent(a, x -> new TreeSet<>(BY_ID)).add(id));
        }
      }
      height = durableHeight;
      inFlight = null;
    } finally {
      indexLock.writeLock().unlock();
    }
  }

  private void unindex(Address a, PolicyId id) {
    NavigableSet<PolicyId> ids = managed.get(a);
    if (ids != null && ids.remove(id) && ids.isEmpty()) {
      managed.remove(a);
    }
  }

  private static Set<Address> managersOf(Policy p) {
    Set<Address> out = new HashSet<>(p.admins());
    out.add(p.owner());
    return out;
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
