package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Operation.AddAdmin;
import io.cachet.policy.Operation.AddMember;
import io.cachet.policy.Operation.ChangeWindow;
import io.cachet.policy.Operation.CreateAllowList;
import io.cachet.policy.Operation.CreateTimeLock;
import io.cachet.policy.Operation.NodeSignature;
import io.cachet.policy.Operation.RecordCertificate;
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

  private final LedgerState state = new LedgerState();
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
    return Transaction.sign(who, n, op);
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
    return LedgerState.policyIdFor(owner.address(), n);
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
  void futureNonce_refusedBadNonce() {
    assertThat(state.apply(Transaction.sign(alice, 5, new CreateAllowList()), T0).reason()).isEqualTo(Reason.BAD_NONCE);
  }

  @Test
  void forgedSignature_refusedBadSignature() throws Exception {
    Transaction real = Transaction.sign(alice, 0, new CreateAllowList());
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
    PolicyId id = LedgerState.policyIdFor(alice.address(), n);
    assertThat(state.evaluate(id, bob.address(), T0 + 999, 1).reason()).isEqualTo(Reason.LOCKED);
    assertThat(state.evaluate(id, bob.address(), T0 + 1000, 1).allowed()).isTrue();
    assertThat(submit(alice, new AddMember(id, bob.address(), Window.ALWAYS)).reason())
        .isEqualTo(Reason.IMMUTABLE_POLICY);
    assertThat(submit(alice, new TransferOwnership(id, bob.address())).reason()).isEqualTo(Reason.IMMUTABLE_POLICY);
  }

  @Test
  void recordCertificate_verifiesEveryNodeSignature() {
    byte[] blob = new byte[32];
    RANDOM.nextBytes(blob);
    byte[] msg = RecordCertificate.confirmationBytes(blob, 1234, 10);
    Identity n1 = Identity.generate(RANDOM);
    Identity n2 = Identity.generate(RANDOM);
    NodeSignature s1 = new NodeSignature("node-1", n1.verifyingKey(), n1.sign(msg));
    NodeSignature s2 = new NodeSignature("node-2", n2.verifyingKey(), n2.sign(msg));
    NodeSignature forged = new NodeSignature("node-2", n2.verifyingKey(), n1.sign(msg));
    assertThat(submit(alice, new RecordCertificate(blob, 1234, 10, List.of(s1, forged))).reason())
        .isEqualTo(Reason.BAD_CERTIFICATE);
    assertThat(submit(alice, new RecordCertificate(blob, 1234, 10, List.of(s1, s1))).reason())
        .isEqualTo(Reason.BAD_CERTIFICATE);
    assertThat(submit(alice, new RecordCertificate(blob, 1234, 11, List.of(s1, s2))).reason())
        .as("signatures were for end epoch 10").isEqualTo(Reason.BAD_CERTIFICATE);
    assertThat(submit(alice, new RecordCertificate(blob, 1234, 10, List.of(s1, s2))).accepted()).isTrue();
    LedgerState.Certificate c = state.certificates().values().iterator().next();
    assertThat(c.endEpoch()).isEqualTo(10);
    assertThat(c.confirmations()).isEqualTo(2);
    assertThat(c.recordedAt()).isEqualTo(T0);
  }
}
