package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.CanonicalWriter;
import io.cachet.policy.Operation.AddAdmin;
import io.cachet.policy.Operation.AddMember;
import io.cachet.policy.Operation.ChangeWindow;
import io.cachet.policy.Operation.CreateAllowList;
import io.cachet.policy.Operation.CreateTimeLock;
import io.cachet.policy.Operation.NodeSignature;
import io.cachet.policy.Operation.RecordCertificate;
import io.cachet.policy.Operation.RemoveAdmin;
import io.cachet.policy.Operation.RemoveMember;
import io.cachet.policy.Operation.SetStorageCommittee;
import io.cachet.policy.Operation.TransferOwnership;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state the ledger's transactions build: policies, per-sender nonces and storage
 * certificates. The sequencer and every follower run the same {@link #apply}, so from the same
 * transactions in the same order they reach the same state (the tests check it).
 *
 * <p>Determinism: {@link #apply} depends only on the state, the transaction and the ledger time of
 * the block it is in; no clock, no randomness, no iteration over hash order. Validation is
 * complete before any change, so a refused transaction changes nothing, its nonce included.
 *
 * <p>Threads: one thread applies; any thread may read. Policies are immutable values in
 * concurrent maps, so a reader sees each policy either before or after a change, never halfway.
 */
public final class LedgerState {
  /**
   * A storage availability certificate as the ledger recorded it: the confirming nodes' signatures
   * are kept, so anyone can check it again against the committee it was recorded under.
   */
  public record Certificate(String blobId, long size, long endEpoch, List<NodeSignature> signatures,
      long recordedAt) {
    public Certificate {
      signatures = List.copyOf(signatures);
    }

    public int confirmations() {
      return signatures.size();
    }
  }

  private final Map<PolicyId, Policy> policies = new ConcurrentHashMap<>();
  private final Map<Address, Long> nextNonce = new ConcurrentHashMap<>();
  private final Map<String, Certificate> certificates = new ConcurrentHashMap<>();
  /** Who may set the storage committee: the sequencer's identity; null: nobody (a state for tests). */
  private final Address operator;
  /** The ledger this state is of; null until its genesis block is applied ({@link #bind}). */
  private volatile LedgerRef ledger;
  private volatile SetStorageCommittee committee;

  /** A state of a ledger not known yet ({@link #bind}) whose storage committee nobody can set. */
  public LedgerState() {
    this(null);
  }

  /**
   * A state of a ledger not known yet, whose storage committee {@code operator} (the sequencer's
   * address, or null for nobody) sets. It refuses every transaction until {@link #bind} names the
   * ledger, which {@link ChainValidator} does when it applies the genesis block.
   */
  public LedgerState(Address operator) {
    this.operator = operator;
  }

  /** A state of {@code ledger} whose storage committee {@code operator} (or nobody, if null) sets. */
  public LedgerState(Address operator, LedgerRef ledger) {
    this.operator = operator;
    this.ledger = Objects.requireNonNull(ledger, "ledger");
  }

  /**
   * Names the ledger this state is of, once: transactions signed for any other are refused with
   * {@link Reason#WRONG_LEDGER}. Binding again to the same ledger is a no-op.
   *
   * @throws IllegalStateException if the state is already bound to another ledger
   */
  public synchronized void bind(LedgerRef ledger) {
    Objects.requireNonNull(ledger, "ledger");
    if (this.ledger != null && !this.ledger.equals(ledger)) {
      throw new IllegalStateException("this state is of ledger " + this.ledger + ", not " + ledger);
    }
    this.ledger = ledger;
  }

  /** The ledger this state is of, or null before its genesis block. */
  public LedgerRef ledger() {
    return ledger;
  }

  /** The storage committee certificates are checked against, or null before the operator set one. */
  public SetStorageCommittee committee() {
    return committee;
  }

  /** The domain tag of policy ids; docs/FORMAT.md, "Ledger transactions". */
  public static final String POLICY_ID_TAG = "cachet/policy-id/v2";

  /**
   * The id of the policy that transaction {@code nonce} of {@code sender} creates on {@code ledger}:
   * BLAKE2b-256 of a tag, the ledger id, its genesis digest, the sender and the nonce. One sender's
   * policies on two ledgers therefore never share an id, and envelopes (which bind the policy id
   * into every share's context) sealed for one cannot be opened under the other.
   */
  public static PolicyId policyIdFor(LedgerRef ledger, Address sender, long nonce) {
    return PolicyId.of(Blake2b.hash256(CanonicalWriter.tagged(POLICY_ID_TAG)
        .string8(ledger.ledgerId()).fixed(ledger.genesisDigest())
        .fixed(sender.bytes()).u64(nonce).toByteArray()));
  }

  public Policy policy(PolicyId id) {
    return policies.get(id);
  }

  public long nextNonce(Address sender) {
    return nextNonce.getOrDefault(sender, 0L);
  }

  public Certificate certificate(String blobId) {
    return certificates.get(blobId);
  }

  /** A copy of every policy, for comparing states (the follower tests do). */
  /** The ids of every policy, as a live view (no copy): a reader walking it sees some consistent subset. */
  Set<PolicyId> policyIds() {
    return Collections.unmodifiableSet(policies.keySet());
  }

  public Map<PolicyId, Policy> policies() {
    return Map.copyOf(policies);
  }

  /** A copy of every sender's next nonce. */
  public Map<Address, Long> nonces() {
    return Map.copyOf(nextNonce);
  }

  /** A copy of every recorded certificate, by blob id. */
  public Map<String, Certificate> certificates() {
    return Map.copyOf(certificates);
  }

  /** Checks and, if valid, applies one transaction at ledger time {@code ledgerTime}. */
  public TxOutcome apply(Transaction tx, long ledgerTime) {
    TxOutcome bad = checkSignature(tx);
    return bad != null ? bad : applyVerified(tx, ledgerTime);
  }

  /** The signature check of {@link #apply} alone: null if it verifies. Pure, so callers may run it on any thread. */
  static TxOutcome checkSignature(Transaction tx) {
    try {
      tx.verifySignature();
      return null;
    } catch (InvalidSignatureException e) {
      return TxOutcome.refused(Reason.BAD_SIGNATURE, e.getMessage());
    }
  }

  /**
   * {@link #apply} for a transaction whose signature {@link #checkSignature} already accepted:
   * signature checks are the costly part and need no state, so the sequencer and followers run
   * them in parallel ahead of this single-threaded step.
   */
  TxOutcome applyVerified(Transaction tx, long ledgerTime) {
    LedgerRef mine = ledger;
    if (mine == null || !mine.equals(tx.ledger())) {
      return TxOutcome.refused(Reason.WRONG_LEDGER, "transaction " + tx.nonce() + " of " + tx.sender()
          + " was signed for ledger " + tx.ledger() + ", not for "
          + (mine == null ? "this ledger, which has no genesis block yet" : mine));
    }
    Address sender = tx.sender();
    long expected = nextNonce(sender);
    if (tx.nonce() != expected) {
      return TxOutcome.refused(Reason.BAD_NONCE, "nonce " + tx.nonce() + " from " + sender + ", expected " + expected
          + (tx.nonce() < expected ? " (already used: a replay?)" : ""));
    }
    TxOutcome outcome;
    try {
      outcome = dispatch(sender, tx, ledgerTime);
    } catch (Refusal r) {
      outcome = r.outcome;
    }
    if (outcome.accepted()) {
      nextNonce.put(sender, expected + 1);
    }
    return outcome;
  }

  /** Evaluates at a given ledger time and height as the ledger alone sees it (no server clock). */
  public Decision evaluate(PolicyId id, Address requester, long ledgerTime, long height) {
    return PolicyEvaluator.evaluate(id, policies.get(id), requester, ledgerTime, height);
  }

  /**
   * Evaluates at a given ledger time and height (the follower passes its head), ending windows at
   * the later of ledger time and {@code clockMillis}, the evaluating server's clock.
   */
  public Decision evaluate(PolicyId id, Address requester, long ledgerTime, long clockMillis, long height) {
    return PolicyEvaluator.evaluate(id, policies.get(id), requester, ledgerTime, clockMillis, height);
  }

  // ---------------------------------------------------------------- operations

  /** A refused transaction, thrown from deep in validation; nothing has been changed when it is. */
  private static final class Refusal extends Exception {
    final TxOutcome outcome;

    Refusal(Reason reason, String message) {
      super(message, null, false, false);
      this.outcome = TxOutcome.refused(reason, message);
    }
  }

  private TxOutcome dispatch(Address sender, Transaction tx, long ledgerTime) throws Refusal {
    Operation op = tx.operation();
    if (op instanceof CreateAllowList) {
      return create(new AllowList(policyIdFor(ledger, sender, tx.nonce()), sender, Set.of(), 1, Map.of()));
    } else if (op instanceof CreateTimeLock c) {
      return create(new TimeLock(policyIdFor(ledger, sender, tx.nonce()), sender, Set.of(), 1, c.unlockAt()));
    } else if (op instanceof AddMember a) {
      return addMember(sender, a);
    } else if (op instanceof RemoveMember r) {
      return removeMember(sender, r);
    } else if (op instanceof ChangeWindow c) {
      return changeWindow(sender, c);
    } else if (op instanceof AddAdmin a) {
      return changeAdmin(sender, a.policy(), a.admin(), true);
    } else if (op instanceof RemoveAdmin r) {
      return changeAdmin(sender, r.policy(), r.admin(), false);
    } else if (op instanceof TransferOwnership t) {
      return transfer(sender, t);
    } else if (op instanceof RecordCertificate c) {
      return recordCertificate(c, ledgerTime);
    } else if (op instanceof SetStorageCommittee c) {
      if (operator == null || !operator.equals(sender)) {
        return TxOutcome.refused(Reason.NOT_AUTHORIZED, "only the ledger's operator sets the storage committee");
      }
      committee = c;
      return TxOutcome.ACCEPTED;
    }
    throw new IllegalStateException("unhandled operation " + op);
  }

  private TxOutcome create(Policy p) {
    if (policies.putIfAbsent(p.id(), p) != null) {
      return TxOutcome.refused(Reason.POLICY_EXISTS, "policy " + p.id() + " already exists");
    }
    return TxOutcome.ACCEPTED;
  }

  /** The allow-list {@code id}, if {@code sender} may change it. */
  private AllowList managedAllowList(Address sender, PolicyId id) throws Refusal {
    Policy p = policies.get(id);
    if (p == null) {
      throw new Refusal(Reason.UNKNOWN_POLICY, "no policy " + id);
    }
    if (!p.isManagedBy(sender)) {
      throw new Refusal(Reason.NOT_AUTHORIZED, sender + " is neither owner nor admin of " + id);
    }
    if (!(p instanceof AllowList list)) {
      throw new Refusal(Reason.IMMUTABLE_POLICY, "time lock " + id + " cannot be changed");
    }
    return list;
  }

  private TxOutcome addMember(Address sender, AddMember op) throws Refusal {
    AllowList list = managedAllowList(sender, op.policy());
    if (!op.window().isValid()) {
      return invalidWindow(op.window());
    }
    if (list.members().containsKey(op.member())) {
      return TxOutcome.refused(Reason.ALREADY_MEMBER, op.member() + " is already on " + op.policy()
          + "; change the window instead");
    }
    if (list.members().size() >= AllowList.MAX_MEMBERS) {
      return TxOutcome.refused(Reason.LIMIT_EXCEEDED, "allow-list " + op.policy() + " holds the maximum of "
          + AllowList.MAX_MEMBERS + " members");
    }
    policies.put(list.id(), list.withMember(op.member(), op.window()));
    return TxOutcome.ACCEPTED;
  }

  private TxOutcome removeMember(Address sender, RemoveMember op) throws Refusal {
    AllowList list = managedAllowList(sender, op.policy());
    if (!list.members().containsKey(op.member())) {
      return TxOutcome.refused(Reason.NOT_A_MEMBER, op.member() + " is not on " + op.policy());
    }
    policies.put(list.id(), list.withoutMember(op.member()));
    return TxOutcome.ACCEPTED;
  }

  private TxOutcome changeWindow(Address sender, ChangeWindow op) throws Refusal {
    AllowList list = managedAllowList(sender, op.policy());
    if (!op.window().isValid()) {
      return invalidWindow(op.window());
    }
    if (!list.members().containsKey(op.member())) {
      return TxOutcome.refused(Reason.NOT_A_MEMBER, op.member() + " is not on " + op.policy());
    }
    policies.put(list.id(), list.withMember(op.member(), op.window()));
    return TxOutcome.ACCEPTED;
  }

  /** Only the owner changes admins, so an admin cannot lock the owner's other admins out. */
  private TxOutcome changeAdmin(Address sender, PolicyId id, Address admin, boolean add) throws Refusal {
    AllowList list = managedAllowList(sender, id);
    if (!list.owner().equals(sender)) {
      return TxOutcome.refused(Reason.NOT_AUTHORIZED, "only the owner of " + id + " changes its admins");
    }
    if (add && list.admins().contains(admin)) {
      return TxOutcome.refused(Reason.ALREADY_ADMIN, admin + " is already an admin of " + id);
    }
    if (!add && !list.admins().contains(admin)) {
      return TxOutcome.refused(Reason.NOT_AN_ADMIN, admin + " is not an admin of " + id);
    }
    if (add && list.admins().size() >= AllowList.MAX_ADMINS) {
      return TxOutcome.refused(Reason.LIMIT_EXCEEDED, id + " has the maximum of " + AllowList.MAX_ADMINS + " admins");
    }
    policies.put(id, list.withAdmin(admin, add));
    return TxOutcome.ACCEPTED;
  }

  private TxOutcome transfer(Address sender, TransferOwnership op) throws Refusal {
    AllowList list = managedAllowList(sender, op.policy());
    if (!list.owner().equals(sender)) {
      return TxOutcome.refused(Reason.NOT_AUTHORIZED, "only the owner of " + op.policy() + " transfers it");
    }
    policies.put(list.id(), list.withOwner(op.newOwner()));
    return TxOutcome.ACCEPTED;
  }

  /**
   * A certificate counts only with confirmations from at least the committee's quorum of its
   * members, each signed by the key the committee lists for that node: anyone can make Ed25519
   * keys, so signatures alone prove nothing about storage.
   */
  private TxOutcome recordCertificate(RecordCertificate op, long ledgerTime) {
    SetStorageCommittee members = committee;
    if (members == null) {
      return TxOutcome.refused(Reason.BAD_CERTIFICATE, "this ledger has no storage committee yet");
    }
    Map<String, VerifyingKey> keyOf = new HashMap<>();
    members.members().forEach(m -> keyOf.put(m.nodeId(), m.nodeKey()));
    byte[] message = RecordCertificate.confirmationBytes(op.blobId(), op.size(), op.endEpoch());
    Set<String> nodes = new HashSet<>();
    for (NodeSignature s : op.signatures()) {
      if (!nodes.add(s.nodeId())) {
        return TxOutcome.refused(Reason.BAD_CERTIFICATE, "node " + s.nodeId() + " signed twice");
      }
      if (!s.nodeKey().equals(keyOf.get(s.nodeId()))) {
        return TxOutcome.refused(Reason.BAD_CERTIFICATE, keyOf.containsKey(s.nodeId())
            ? "node " + s.nodeId() + " signed with a key that is not the committee's key for it"
            : "node " + s.nodeId() + " is not in the storage committee");
      }
      try {
        s.nodeKey().verify(message, s.signature(), "confirmation of node " + s.nodeId());
      } catch (InvalidSignatureException e) {
        return TxOutcome.refused(Reason.BAD_CERTIFICATE, e.getMessage());
      }
    }
    if (nodes.size() < members.quorum()) {
      return TxOutcome.refused(Reason.BAD_CERTIFICATE, nodes.size() + " confirmations; the storage committee's "
          + "quorum is " + members.quorum());
    }
    String blobId = Base64Url.encode(op.blobId());
    Certificate prior = certificates.get(blobId);
    if (prior == null || prior.endEpoch() < op.endEpoch()) {
      certificates.put(blobId, new Certificate(blobId, op.size(), op.endEpoch(), op.signatures(), ledgerTime));
    }
    return TxOutcome.ACCEPTED;
  }

  // ---------------------------------------------------------------- snapshots

  /** Everything a state holds, as a follower's snapshot saves it. */
  record Contents(Map<PolicyId, Policy> policies, Map<Address, Long> nonces, Map<String, Certificate> certificates,
      SetStorageCommittee committee) {}

  /** Fills this state, which must be empty, with a snapshot's contents. */
  void restore(Contents c) {
    if (!policies.isEmpty() || !nextNonce.isEmpty() || !certificates.isEmpty() || committee != null) {
      throw new IllegalStateException("a snapshot is restored into an empty state only");
    }
    policies.putAll(c.policies());
    nextNonce.putAll(c.nonces());
    certificates.putAll(c.certificates());
    committee = c.committee();
  }

  private static TxOutcome invalidWindow(Window w) {
    return TxOutcome.refused(Reason.INVALID_WINDOW, "window ends (" + w.notAfter() + ") before or when it starts ("
        + w.notBefore() + ")");
  }
}
