package io.cachet.client.behaviour;

import static io.cachet.client.behaviour.BehaviourNetwork.Party.ADMIN;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.OTHER;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.OWNER;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.READER;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.STRANGER;
import static io.cachet.client.behaviour.StoredFiles.RELEASED;
import static io.cachet.client.behaviour.StoredFiles.refusalOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cachet.client.CachetClient;
import io.cachet.client.UnknownPolicyException;
import io.cachet.client.behaviour.BehaviourNetwork.Party;
import io.cachet.client.behaviour.StoredFiles.Put;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.Window;
import java.io.ByteArrayInputStream;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * One story per test, told the same way with the same expected decisions on either ledger: a
 * subclass supplies the network ({@link #net}). Each decision is a real reader opening a real
 * stored file through {@link CachetClient}, with shares from at least two of three real key
 * servers. Where the ledgers differ (time held in milliseconds or in seconds) the stories keep to
 * whole seconds; {@link BehaviourNetwork#timeUnitMillis} is the one place that says so.
 */
abstract class PolicyBehaviourSuite {
  /** A story's times lie this far after its start, so its own writes are all stamped before them. */
  static final long LEAD_MILLIS = 100_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The network the stories run on, started once per concrete class. */
  abstract BehaviourNetwork net();

  private Put putAsOwner(PolicyId policy) throws Exception {
    return StoredFiles.put(net(), OWNER, new PolicyRef(as(OWNER).envelopeLedgerId(), policy));
  }

  private String openAs(Party who, Put put) throws Exception {
    return StoredFiles.openAs(net(), who, put);
  }

  private PolicyChain as(Party who) throws Exception {
    return net().chainAs(who);
  }

  @Test
  void window_isExactToTheSecond_atBothEnds() throws Exception {
    long start = net().freshTime();
    long from = start + LEAD_MILLIS;
    PolicyId list = as(OWNER).createAllowList();
    as(OWNER).grant(list, net().address(READER), new Window(from, from + 60_000));
    Put put = putAsOwner(list);
    net().settle();

    net().at(from - 1000);
    assertThat(openAs(READER, put)).as("one second before the window").isEqualTo("NOT_YET_VALID");
    net().at(from);
    assertThat(openAs(READER, put)).as("the window's first second").isEqualTo(RELEASED);
    net().at(from + 59_000);
    assertThat(openAs(READER, put)).as("the window's last second").isEqualTo(RELEASED);
    net().at(from + 60_000);
    assertThat(openAs(READER, put)).as("the window's end").isEqualTo("EXPIRED");
  }

  /**
   * The one story whose decision differs by ledger, because of {@link BehaviourNetwork#timeUnitMillis}:
   * a window asked off the second is held as asked on the embedded ledger, and narrowed to whole
   * seconds on an EVM chain (never wider than asked).
   */
  @Test
  void windowOffTheSecond_isHeldInTheLedgersUnit_neverWider() throws Exception {
    long start = net().freshTime();
    long from = start + LEAD_MILLIS;
    PolicyId list = as(OWNER).createAllowList();
    as(OWNER).grant(list, net().address(READER), new Window(from + 500, from + 60_500));
    Put put = putAsOwner(list);
    net().settle();

    net().at(from);
    assertThat(openAs(READER, put)).isEqualTo("NOT_YET_VALID");
    net().at(from + 1000);
    assertThat(openAs(READER, put)).isEqualTo(RELEASED);
    net().at(from + 60_000);
    assertThat(openAs(READER, put)).as("half a second before the end asked")
        .isEqualTo(net().timeUnitMillis() == 1 ? RELEASED : "EXPIRED");
    net().at(from + 61_000);
    assertThat(openAs(READER, put)).isEqualTo("EXPIRED");
  }

  @Test
  void revokedMember_isRefusedNotAMember_fromTheRevokingBlockOn() throws Exception {
    net().freshTime();
    PolicyId list = as(OWNER).createAllowList();
    as(OWNER).grant(list, net().address(READER), Window.ALWAYS);
    as(OWNER).grant(list, net().address(OTHER), Window.ALWAYS);
    Put put = putAsOwner(list);
    net().settle();
    assertThat(openAs(READER, put)).isEqualTo(RELEASED);

    long revokedAt = as(OWNER).revoke(list, net().address(READER));
    net().settle();
    assertThat(as(OWNER).head().height()).isGreaterThanOrEqualTo(revokedAt);
    assertThat(openAs(READER, put)).isEqualTo("NOT_A_MEMBER");
    assertThat(openAs(OTHER, put)).as("another member keeps access").isEqualTo(RELEASED);
  }

  @Test
  void timeLock_isLockedASecondBefore_andOpensAtItsTime() throws Exception {
    long start = net().freshTime();
    long unlockAt = start + LEAD_MILLIS;
    PolicyId lock = as(OWNER).createTimeLock(Instant.ofEpochMilli(unlockAt));
    Put put = putAsOwner(lock);
    net().settle();

    net().at(unlockAt - 1000);
    assertThat(openAs(READER, put)).isEqualTo("LOCKED");
    net().at(unlockAt);
    assertThat(openAs(READER, put)).isEqualTo(RELEASED);
  }

  @Test
  void adminGrantsAndRevokes_strangerGrantsNothing() throws Exception {
    net().freshTime();
    PolicyId list = as(OWNER).createAllowList();
    as(OWNER).addAdmin(list, net().address(ADMIN));
    Put put = putAsOwner(list);

    as(ADMIN).grant(list, net().address(READER), Window.ALWAYS);
    net().settle();
    assertThat(openAs(READER, put)).as("granted by an admin").isEqualTo(RELEASED);
    as(ADMIN).revoke(list, net().address(READER));
    net().settle();
    assertThat(openAs(READER, put)).as("revoked by an admin").isEqualTo("NOT_A_MEMBER");

    assertThat(refusalOf(() -> as(STRANGER).grant(list, net().address(OTHER), Window.ALWAYS)))
        .isEqualTo("NOT_AUTHORIZED");
    net().settle();
    assertThat(openAs(OTHER, put)).as("a stranger's grant grants nothing").isEqualTo("NOT_A_MEMBER");
  }

  @Test
  void onlyTheOwner_addsAdminsAndTransfers_andAnOldOwnerLosesItsRights() throws Exception {
    net().freshTime();
    PolicyId list = as(OWNER).createAllowList();
    as(OWNER).addAdmin(list, net().address(ADMIN));
    Put put = putAsOwner(list);

    assertThat(refusalOf(() -> as(ADMIN).addAdmin(list, net().address(STRANGER)))).isEqualTo("NOT_AUTHORIZED");
    assertThat(refusalOf(() -> as(ADMIN).transferOwnership(list, net().address(STRANGER))))
        .isEqualTo("NOT_AUTHORIZED");
    assertThat(refusalOf(() -> as(STRANGER).addAdmin(list, net().address(STRANGER)))).isEqualTo("NOT_AUTHORIZED");
    assertThat(refusalOf(() -> as(STRANGER).transferOwnership(list, net().address(STRANGER))))
        .isEqualTo("NOT_AUTHORIZED");

    as(OWNER).transferOwnership(list, net().address(STRANGER));
    assertThat(refusalOf(() -> as(OWNER).grant(list, net().address(READER), Window.ALWAYS)))
        .as("the old owner grants no more").isEqualTo("NOT_AUTHORIZED");
    assertThat(refusalOf(() -> as(OWNER).addAdmin(list, net().address(OWNER))))
        .as("nor adds admins").isEqualTo("NOT_AUTHORIZED");
    net().settle();
    assertThat(openAs(READER, put)).isEqualTo("NOT_A_MEMBER");

    as(STRANGER).grant(list, net().address(READER), Window.ALWAYS);
    net().settle();
    assertThat(openAs(READER, put)).as("granted by the new owner").isEqualTo(RELEASED);
  }

  /**
   * A file whose envelope was rewritten to name a policy the chain does not hold: the key servers
   * refuse it as unknown, before any share is opened.
   */
  @Test
  void envelopeNamingAnUnknownPolicy_isRefusedUnknownPolicy() throws Exception {
    net().freshTime();
    PolicyId list = as(OWNER).createAllowList();
    as(OWNER).grant(list, net().address(READER), Window.ALWAYS);
    Put put = putAsOwner(list);
    net().settle();
    assertThat(openAs(READER, put)).isEqualTo(RELEASED);

    Put unknown = StoredFiles.rewritten(net(), put, list.bytes(), PolicyId.random(RANDOM).bytes());
    assertThat(openAs(READER, unknown)).isEqualTo("UNKNOWN_POLICY");
  }

  @Test
  void unknownPolicy_isUnknownToTheChain_andRefusedBeforeSealing() throws Exception {
    net().freshTime();
    PolicyId unknown = PolicyId.random(RANDOM);
    assertThat(refusalOf(() -> as(OWNER).policy(unknown))).isEqualTo("UNKNOWN_POLICY");
    try (CachetClient owner = net().clientAs(OWNER)) {
      Throwable t = catchThrowable(() -> owner.put(new ByteArrayInputStream(new byte[10]), 10, unknown, 2));
      assertThat(t).isInstanceOf(UnknownPolicyException.class);
      assertThat(((CachetSecurityException) t).reason()).isEqualTo("UNKNOWN_POLICY");
    }
  }
}
