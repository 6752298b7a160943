package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Composite;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.Reason;
import io.cachet.policy.Window;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.DefaultBlockParameterName;

/** All-of and any-of on a real anvil, with parts here, in another contract, and in a cycle. */
class CompositesTest {
  private static final int ALLOWED = 0;
  private static final int UNKNOWN_POLICY = 1;
  private static final int NOT_A_MEMBER = 2;
  private static final int LOCKED = 5;

  private static StockContractsChain chain;
  private static EvmPolicyChain owner;
  private static EvmDeployment.Addresses other;
  private static EvmPolicyChain otherOwner;

  @BeforeAll
  static void start() throws Exception {
    chain = StockContractsChain.start();
    owner = chain.chainAs(0);
    other = EvmDeployment.deploy(chain.anvil.rpcUrl(), chain.anvil.chainId(), StockContractsChain.credentials(1));
    otherOwner = new EvmPolicyChain(StockContractsChain.credentials(1), chain.anvil.chainId(), chain.anvil.rpcUrl(),
        other.policies());
  }

  @AfterAll
  static void stop() {
    otherOwner.close();
    owner.close();
    chain.close();
  }

  private static Address dev(int i) {
    return StockContractsChain.address(i);
  }

  private static PolicyRef here(PolicyId id) {
    return new PolicyRef(owner.envelopeLedgerId(), id);
  }

  private static PolicyRef there(PolicyId id) {
    return new PolicyRef(otherOwner.envelopeLedgerId(), id);
  }

  private static Window until(long seconds) {
    return new Window(0, seconds * 1000);
  }

  @Test
  void allOf_allowsWhomEveryPartAllows_untilTheEarliestEnd() throws Exception {
    long t = chain.futureSeconds();
    PolicyId a = owner.createAllowList();
    PolicyId b = owner.createAllowList();
    owner.grant(a, dev(3), until(t + 100));
    owner.grant(b, dev(3), until(t + 200));
    owner.grant(b, dev(4), Window.ALWAYS);
    PolicyId all = owner.createComposite(Composite.Mode.ALL_OF, List.of(here(a), here(b)));
    assertEquals(new StockContractsChain.Answer(ALLOWED, BigInteger.valueOf(t + 100)), chain.canRead(all, dev(3)));
    assertEquals(NOT_A_MEMBER, chain.canRead(all, dev(4)).reason());
  }

  @Test
  void anyOf_allowsWhomAnyPartAllows_untilTheLatestAllowingEnd_elseTheFirstDenial() throws Exception {
    long t = chain.futureSeconds();
    PolicyId lock = owner.createTimeLock(Instant.ofEpochSecond(t + 10_000));
    PolicyId a = owner.createAllowList();
    PolicyId b = owner.createAllowList();
    owner.grant(a, dev(3), until(t + 100));
    owner.grant(b, dev(3), until(t + 200));
    owner.grant(a, dev(4), until(t + 100));
    PolicyId any = owner.createComposite(Composite.Mode.ANY_OF, List.of(here(lock), here(a), here(b)));
    assertEquals(new StockContractsChain.Answer(ALLOWED, BigInteger.valueOf(t + 200)), chain.canRead(any, dev(3)));
    assertEquals(new StockContractsChain.Answer(ALLOWED, BigInteger.valueOf(t + 100)), chain.canRead(any, dev(4)));
    assertEquals(LOCKED, chain.canRead(any, dev(2)).reason());
  }

  @Test
  void part_inAnotherContract_isAsked() throws Exception {
    PolicyId remote = otherOwner.createAllowList();
    otherOwner.grant(remote, dev(3), Window.ALWAYS);
    PolicyId local = owner.createAllowList();
    owner.grant(local, dev(3), Window.ALWAYS);
    owner.grant(local, dev(4), Window.ALWAYS);
    PolicyId all = owner.createComposite(Composite.Mode.ALL_OF, List.of(here(local), there(remote)));
    assertEquals(ALLOWED, chain.canRead(all, dev(3)).reason());
    assertEquals(NOT_A_MEMBER, chain.canRead(all, dev(4)).reason());
    otherOwner.revoke(remote, dev(3));
    assertEquals(NOT_A_MEMBER, chain.canRead(all, dev(3)).reason());
    Composite c = (Composite) owner.policy(all);
    assertEquals(List.of(here(local), there(remote)), c.parts());
    assertEquals(Composite.Mode.ALL_OF, c.mode());
  }

  @Test
  void cycle_throughTwoContracts_deniesWithoutReverting() throws Exception {
    PolicyId predicted = PolicyId.of(((Bytes32) chain.txAs(1).call(other.policies().evmHex(),
        CachetPoliciesAbi.nextPolicyId(dev(1).evmHex()), DefaultBlockParameterName.LATEST).get(0)).getValue());
    PolicyId mine = owner.createComposite(Composite.Mode.ANY_OF, List.of(there(predicted)));
    PolicyId theirs = otherOwner.createComposite(Composite.Mode.ANY_OF, List.of(here(mine)));
    assertEquals(predicted, theirs);
    assertEquals(UNKNOWN_POLICY, chain.canRead(mine, dev(3)).reason());
    assertEquals(UNKNOWN_POLICY, chain.canRead(other.policies(), theirs, dev(3)).reason());
  }

  @Test
  void nesting_pastMaxDepth_refusedAtCreation() throws Exception {
    PolicyId list = owner.createAllowList();
    owner.grant(list, dev(3), Window.ALWAYS);
    PolicyId inner = list;
    for (int depth = 1; depth <= 4; depth++) {
      inner = owner.createComposite(Composite.Mode.ANY_OF, List.of(here(inner)));
    }
    assertEquals(ALLOWED, chain.canRead(inner, dev(3)).reason());
    PolicyId deepest = inner;
    EvmRevertedException e = assertThrows(EvmRevertedException.class,
        () -> owner.createComposite(Composite.Mode.ANY_OF, List.of(here(deepest))));
    assertEquals(Reason.LIMIT_EXCEEDED.name(), e.reason());
  }

  @Test
  void composite_askingMoreThanMaxLeaves_refusedAtCreation() throws Exception {
    PolicyId list = owner.createAllowList();
    PolicyId sixteen = owner.createComposite(Composite.Mode.ALL_OF, Collections.nCopies(16, here(list)));
    PolicyId sixtyFour = owner.createComposite(Composite.Mode.ANY_OF, Collections.nCopies(4, here(sixteen)));
    assertEquals(NOT_A_MEMBER, chain.canRead(sixtyFour, dev(3)).reason());
    EvmRevertedException e = assertThrows(EvmRevertedException.class,
        () -> owner.createComposite(Composite.Mode.ANY_OF, Collections.nCopies(5, here(sixteen))));
    assertEquals(Reason.LIMIT_EXCEEDED.name(), e.reason());
  }

  @Test
  void part_thatIsNoPolicyContract_deniesWithoutReverting() throws Exception {
    Address notAPolicy = chain.deployTest("HostileToken", new Uint256(0));
    PolicyId any = owner.createComposite(Composite.Mode.ANY_OF, List.of(
        new PolicyRef(new EvmLedgerId(chain.anvil.chainId(), notAPolicy).toString(), PolicyId.random(new SecureRandom()))));
    assertEquals(UNKNOWN_POLICY, chain.canRead(any, dev(3)).reason());
  }

  @Test
  void create_overAnUnknownPolicyHere_refusedUnknownPolicy() {
    EvmRevertedException e = assertThrows(EvmRevertedException.class, () -> owner.createComposite(
        Composite.Mode.ALL_OF, List.of(here(PolicyId.random(new SecureRandom())))));
    assertEquals(Reason.UNKNOWN_POLICY.name(), e.reason());
  }

  @Test
  void create_partOnAnotherChain_refused() {
    assertThrows(IllegalArgumentException.class, () -> owner.createComposite(Composite.Mode.ALL_OF,
        List.of(new PolicyRef(new EvmLedgerId(1, other.policies()).toString(), PolicyId.random(new SecureRandom())))));
  }
}
