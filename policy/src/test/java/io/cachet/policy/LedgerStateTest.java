package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Operation.AddAdmin;
import io.cachet.policy.Operation.AddMember;
import io.cachet.policy.Operation.ChangeWindow;
import io.cachet.policy.Operation.CreateAllowList;
import io.cachet.policy.Operation.CreateTimeLock;
import io.cachet.policy.Operation.NodeSignature;
import io.cachet.policy.Operation.CommitteeMember;
import io.cachet.policy.Operation.RecordCertificate;
import io.cachet.policy.Operation.SetStorageCommittee;
import io.cachet.policy.Operation.RemoveAdmin;
import io.cachet.policy.Operation.RemoveMember;
import io.cachet.policy.Operation.TransferOwnership;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LedgerStateTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long T0 = 1_800_000_000_000L;

  private static final Identity OPERATOR = Identity.generate(RANDOM);
  /** A ledger with a random genesis digest: these tests apply transactions without blocks. */
  private static final LedgerRef LEDGER = new LedgerRef("cachet-test", randomDigest());
  private final LedgerState state = new LedgerState(OPERATOR.address(), LEDGER);
  private final Map<Address, Long> nonces = new HashMap<>();
  private Identity alice;
  private Identity bob;
  private Identity mallory;

  @BeforeEach
  void identities() {
    alice = Identity.generate(RANDOM);
    bob = Identity.generate(RANDOM);
    mallory = Identity.generate(RANDOM);
  }

  private Transaction tx(Identity who, Operation op) {
    long n = nonces.getOrDefault(who.address(), 0L);
    nonces.put(who.address(), n + 1);
    return Transaction.sign(who, LEDGER, n, op);
  }

  private static byte[] randomDigest() {
    byte[] d = new byte[32];
    RANDOM.nextBytes(d);
    return d;
  }

  private TxOutcome submit(Identity who, Operation op) {
    TxOutcome o = state.apply(tx(who, op), T0);
    if (!o.accepted()) {
      nonces.merge(who.address(), -1L, Long::sum);
    }
    return o;
  }

  private PolicyId createAllowList(Identity owner) {
    long n = nonces.getOrDefault(owner.address(), 0L);
    assertThat(submit(owner, new CreateAllowList()).accepted()).isTrue();
    return LedgerState.policyIdFor(LEDGER, owner.address(), n);
  }

  /** The storage nodes sign these bytes; storage-bridge's BlobLayoutTest pins the same vector. */
  @Test
  void confirmationBytesMatchWhatStorageNodesSign() {
    byte[] bytes = RecordCertificate.confirmationBytes(new byte[32], 0x0102030405060708L, 42);
    assertThat(java.util.HexFormat.of().formatHex(bytes)).isEqualTo("1e"
        + java.util.HexFormat.of().formatHex("cachet/storage-confirmation/v1".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII))
        + "00".repeat(32) + "0102030405060708" + "000000000000002a");
  }

  @Test
  void createAllowList_ownerIsSender_idDerivedFromSenderAndNonce() {
    PolicyId id = createAllowList(alice);
    AllowList list = (AllowList) state.policy(id);
    assertThat(list.owner()).isEqualTo(alice.address());
    assertThat(list.version()).isEqualTo(1);
    assertThat(list.members()).isEmpty();
  }

  @Test
  void addMember_byStranger_refusedNotAuthorized_andNothingChanges() {
    PolicyId id = createAllowList(alice);
    TxOutcome o = submit(mallory, new AddMember(id, mallory.address(), Window.ALWAYS));
    assertThat(o.accepted()).isFalse();
    assertThat(o.reason()).isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(((AllowList) state.policy(id)).members()).isEmpty();
    assertThat(state.nextNonce(mallory.address())).isZero();
  }

  @Test
  void replayedTransaction_refusedBadNonce() {
    PolicyId id = createAllowList(alice);
    Transaction add = tx(alice, new AddMember(id, bob.address(), Window.ALWAYS));
    assertThat(state.apply(add, T0).accepted()).isTrue();
    assertThat(state.apply(add, T0 + 1).reason()).isEqualTo(Reason.BAD_NONCE);
  }

  @Test
  void transactionForAnotherGenesisOrId_refusedWrongLedger_andUsesNoNonce() {
    LedgerRef otherGenesis = new LedgerRef(LEDGER.ledgerId(), randomDigest());
    LedgerRef otherId = new LedgerRef("cachet-other", LEDGER.genesisDigest());
    for (LedgerRef other : List.of(otherGenesis, otherId)) {
      TxOutcome o = state.apply(Transaction.sign(alice, other, 0, new CreateAllowList()), T0);
      assertThat(o.reason()).isEqualTo(Reason.WRONG_LEDGER);
      assertThat(o.message()).contains(other.toString()).contains(LEDGER.toString());
    }
    assertThat(state.nextNonce(alice.address())).isZero();
    assertThat(state.policies()).isEmpty();
    assertThat(state.apply(Transaction.sign(alice, LEDGER, 0, new CreateAllowList()), T0).accepted()).isTrue();
  }

  @Test
  void stateWithoutGenesis_refusesEveryTransaction_andBindsOnce() {
    LedgerState unbound = new LedgerState(OPERATOR.address());
    assertThat(unbound.apply(Transaction.sign(alice, LEDGER, 0, new CreateAllowList()), T0).reason())
        .isEqualTo(Reason.WRONG_LEDGER);
    unbound.bind(LEDGER);
    unbound.bind(LEDGER);
    assertThat(unbound.apply(Transaction.sign(alice, LEDGER, 0, new CreateAllowList()), T0).accepted()).isTrue();
    assertThatThrownBy(() -> unbound.bind(new LedgerRef(LEDGER.ledgerId(), randomDigest())))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void policyId_dependsOnLedgerIdGenesisSenderAndNonce() {
    PolicyId base = LedgerState.policyIdFor(LEDGER, alice.address(), 0);
    assertThat(LedgerState.policyIdFor(LEDGER, alice.address(), 0)).isEqualTo(base);
    assertThat(List.of(
        LedgerState.policyIdFor(new LedgerRef(LEDGER.ledgerId(), randomDigest()), alice.address(), 0),
        LedgerState.policyIdFor(new LedgerRef("cachet-other", LEDGER.genesisDigest()), alice.address(), 0),
        LedgerState.policyIdFor(LEDGER, bob.address(), 0),
        LedgerState.policyIdFor(LEDGER, alice.address(), 1))).doesNotContain(base).doesNotHaveDuplicates();
  }

  @Test
  void futureNonce_refusedBadNonce() {
    assertThat(state.apply(Transaction.sign(alice, LEDGER, 5, new CreateAllowList()), T0).reason()).isEqualTo(Reason.BAD_NONCE);
  }

  @Test
  void forgedSignature_refusedBadSignature() throws Exception {
    Transaction real = Transaction.sign(alice, LEDGER, 0, new CreateAllowList());
    byte[] bytes = real.encoded();
    bytes[bytes.length - 1] ^= 1;
    assertThat(state.apply(Transaction.decode(bytes), T0).reason()).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void windowBoundaries_notBeforeInclusive_notAfterExclusive() {
    PolicyId id = createAllowList(alice);
    assertThat(submit(alice, new AddMember(id, bob.address(), new Window(T0 + 100, T0 + 200))).accepted()).isTrue();
    assertThat(state.evaluate(id, bob.address(), T0 + 99, 7).reason()).isEqualTo(Reason.NOT_YET_VALID);
    Decision at = state.evaluate(id, bob.address(), T0 + 100, 7);
    assertThat(at.allowed()).isTrue();
    assertThat(at.height()).isEqualTo(7);
    assertThat(state.evaluate(id, bob.address(), T0 + 199, 7).allowed()).isTrue();
    assertThat(state.evaluate(id, bob.address(), T0 + 200, 7).reason()).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void windowEndingBeforeItStarts_refusedInvalidWindow() {
    PolicyId id = createAllowList(alice);
    assertThat(submit(alice, new AddMember(id, bob.address(), new Window(T0, T0))).reason())
        .isEqualTo(Reason.INVALID_WINDOW);
    assertThat(submit(alice, new AddMember(id, bob.address(), new Window(T0, T0 - 1))).reason())
        .isEqualTo(Reason.INVALID_WINDOW);
  }

  @Test
  void removeMember_revokes_andChangeWindow_extends() {
    PolicyId id = createAllowList(alice);
    submit(alice, new AddMember(id, bob.address(), new Window(0, T0 + 10)));
    assertThat(state.evaluate(id, bob.address(), T0 + 20, 1).reason()).isEqualTo(Reason.EXPIRED);
    assertThat(submit(alice, new ChangeWindow(id, bob.address(), new Window(0, T0 + 30))).accepted()).isTrue();
    assertThat(state.evaluate(id, bob.address(), T0 + 20, 2).allowed()).isTrue();
    assertThat(submit(alice, new RemoveMember(id, bob.address())).accepted()).isTrue();
    assertThat(state.evaluate(id, bob.address(), T0 + 20, 3).reason()).isEqualTo(Reason.NOT_A_MEMBER);
    assertThat(submit(alice, new RemoveMember(id, bob.address())).reason()).isEqualTo(Reason.NOT_A_MEMBER);
    assertThat(state.policy(id).version()).isEqualTo(4);
  }

  @Test
  void admins_mayManageMembers_butOnlyOwnerManagesAdminsAndOwnership() {
    PolicyId id = createAllowList(alice);
    assertThat(submit(alice, new AddAdmin(id, bob.address())).accepted()).isTrue();
    assertThat(submit(bob, new AddMember(id, mallory.address(), Window.ALWAYS)).accepted()).isTrue();
    assertThat(submit(bob, new AddAdmin(id, mallory.address())).reason()).isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(submit(bob, new TransferOwnership(id, bob.address())).reason()).isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(submit(alice, new AddAdmin(id, bob.address())).reason()).isEqualTo(Reason.ALREADY_ADMIN);
    assertThat(submit(alice, new RemoveAdmin(id, bob.address())).accepted()).isTrue();
    assertThat(submit(bob, new RemoveMember(id, mallory.address())).reason()).isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(submit(alice, new RemoveAdmin(id, bob.address())).reason()).isEqualTo(Reason.NOT_AN_ADMIN);
    assertThat(submit(alice, new TransferOwnership(id, bob.address())).accepted()).isTrue();
    assertThat(state.policy(id).owner()).isEqualTo(bob.address());
    assertThat(submit(alice, new AddMember(id, alice.address(), Window.ALWAYS)).reason())
        .isEqualTo(Reason.NOT_AUTHORIZED);
  }

  @Test
  void unknownPolicy_refusedAndDenied() {
    PolicyId nowhere = PolicyId.random(RANDOM);
    assertThat(submit(alice, new AddMember(nowhere, bob.address(), Window.ALWAYS)).reason())
        .isEqualTo(Reason.UNKNOWN_POLICY);
    assertThat(state.evaluate(nowhere, bob.address(), T0, 1).reason()).isEqualTo(Reason.UNKNOWN_POLICY);
  }

  @Test
  void timeLock_opensAtUnlockTimeInclusive_andIsImmutable() {
    long n = nonces.getOrDefault(alice.address(), 0L);
    assertThat(submit(alice, new CreateTimeLock(T0 + 1000)).accepted()).isTrue();
    PolicyId id = LedgerState.policyIdFor(LEDGER, alice.address(), n);
    assertThat(state.evaluate(id, bob.address(), T0 + 999, 1).reason()).isEqualTo(Reason.LOCKED);
    assertThat(state.evaluate(id, bob.address(), T0 + 1000, 1).allowed()).isTrue();
    assertThat(submit(alice, new AddMember(id, bob.address(), Window.ALWAYS)).reason())
        .isEqualTo(Reason.IMMUTABLE_POLICY);
    assertThat(submit(alice, new TransferOwnership(id, bob.address())).reason()).isEqualTo(Reason.IMMUTABLE_POLICY);
  }

  /** Three committee nodes (quorum 2) set by the operator; returns their identities. */
  private List<Identity> committeeOfThree() {
    List<Identity> nodes = List.of(Identity.generate(RANDOM), Identity.generate(RANDOM), Identity.generate(RANDOM));
    List<CommitteeMember> members = new java.util.ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      members.add(new CommitteeMember("node-" + i, nodes.get(i).verifyingKey()));
    }
    assertThat(submit(OPERATOR, new SetStorageCommittee(members, 2)).accepted()).isTrue();
    return nodes;
  }

  private static NodeSignature confirm(String nodeId, Identity key, byte[] blob, long size, long endEpoch) {
    return new NodeSignature(nodeId, key.verifyingKey(), key.sign(RecordCertificate.confirmationBytes(blob, size,
        endEpoch)));
  }

  @Test
  void recordCertificate_verifiesEveryNodeSignature() {
    List<Identity> n = committeeOfThree();
    byte[] blob = new byte[32];
    RANDOM.nextBytes(blob);
    NodeSignature s0 = confirm("node-0", n.get(0), blob, 1234, 10);
    NodeSignature s1 = confirm("node-1", n.get(1), blob, 1234, 10);
    NodeSignature forged = new NodeSignature("node-1", n.get(1).verifyingKey(),
        n.get(0).sign(RecordCertificate.confirmationBytes(blob, 1234, 10)));
    assertThat(submit(alice, new RecordCertificate(blob, 1234, 10, List.of(s0, forged))).reason())
        .isEqualTo(Reason.BAD_CERTIFICATE);
    assertThat(submit(alice, new RecordCertificate(blob, 1234, 10, List.of(s0, s0))).reason())
        .isEqualTo(Reason.BAD_CERTIFICATE);
    assertThat(submit(alice, new RecordCertificate(blob, 1234, 11, List.of(s0, s1))).reason())
        .as("signatures were for end epoch 10").isEqualTo(Reason.BAD_CERTIFICATE);
    assertThat(submit(alice, new RecordCertificate(blob, 1234, 10, List.of(s0, s1))).accepted()).isTrue();
    LedgerState.Certificate c = state.certificates().values().iterator().next();
    assertThat(c.endEpoch()).isEqualTo(10);
    assertThat(c.confirmations()).isEqualTo(2);
    assertThat(c.signatures()).containsExactly(s0, s1);
    assertThat(c.recordedAt()).isEqualTo(T0);
  }

  @Test
  void recordCertificate_needsTheCommitteesQuorum_ofItsMembers_underTheirKeys() {
    byte[] blob = new byte[32];
    RANDOM.nextBytes(blob);
    Identity outsider = Identity.generate(RANDOM);
    NodeSignature byOutsider = confirm("node-9", outsider, blob, 5, 3);
    // before the operator names a committee, no certificate counts: anyone can make keys
    assertThat(submit(alice, new RecordCertificate(blob, 5, 3, List.of(byOutsider))).message())
        .contains("no storage committee");

    List<Identity> n = committeeOfThree();
    NodeSignature s0 = confirm("node-0", n.get(0), blob, 5, 3);
    NodeSignature s2 = confirm("node-2", n.get(2), blob, 5, 3);
    assertThat(submit(alice, new RecordCertificate(blob, 5, 3, List.of(s0))).message())
        .as("one of a quorum of two").contains("quorum is 2");
    assertThat(submit(alice, new RecordCertificate(blob, 5, 3, List.of(s0, byOutsider))).message())
        .contains("node-9 is not in the storage committee");
    NodeSignature impostor = confirm("node-2", outsider, blob, 5, 3);
    assertThat(submit(alice, new RecordCertificate(blob, 5, 3, List.of(s0, impostor))).message())
        .contains("not the committee's key for it");
    assertThat(state.certificates()).isEmpty();
    assertThat(submit(alice, new RecordCertificate(blob, 5, 3, List.of(s2, s0))).accepted()).isTrue();
  }

  @Test
  void theStorageCommittee_isSetOnlyByTheOperator_andReplacedWhole() {
    Identity node = Identity.generate(RANDOM);
    SetStorageCommittee one = new SetStorageCommittee(List.of(new CommitteeMember("node-0", node.verifyingKey())), 1);
    assertThat(submit(mallory, one).reason()).isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(state.committee()).isNull();
    assertThat(new LedgerState(null, LEDGER).apply(Transaction.sign(OPERATOR, LEDGER, 0, one), T0).reason())
        .as("a state without an operator takes no committee").isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(submit(OPERATOR, one).accepted()).isTrue();
    assertThat(state.committee()).isEqualTo(one);
    committeeOfThree();
    assertThat(state.committee().members()).hasSize(3);

    // the old member no longer counts
    byte[] blob = new byte[32];
    assertThat(submit(alice, new RecordCertificate(blob, 1, 1, List.of(confirm("node-0", node, blob, 1, 1)))).reason())
        .isEqualTo(Reason.BAD_CERTIFICATE);
  }

  @Test
  void aCommittee_isWellFormed() {
    Identity a = Identity.generate(RANDOM);
    Identity b = Identity.generate(RANDOM);
    CommitteeMember ma = new CommitteeMember("node-0", a.verifyingKey());
    assertThatThrownBy(() -> new SetStorageCommittee(List.of(), 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SetStorageCommittee(List.of(ma), 2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SetStorageCommittee(List.of(ma), 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SetStorageCommittee(List.of(ma, new CommitteeMember("node-0", b.verifyingKey())), 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SetStorageCommittee(List.of(ma, new CommitteeMember("node-1", a.verifyingKey())), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
