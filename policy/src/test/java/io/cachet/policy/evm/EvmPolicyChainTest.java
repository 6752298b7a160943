package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicySummary;
import io.cachet.policy.Reason;
import io.cachet.policy.TimeLock;
import io.cachet.policy.Window;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.utils.Numeric;

/**
 * Allow-lists and time locks through EvmPolicyChain, judged by raw canRead calls at exact block times.
 * Its time goes to anvil's blocks, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("EvmPolicyChainTest")
class EvmPolicyChainTest {
  private static final int ALLOWED = 0;
  private static final int UNKNOWN_POLICY = 1;
  private static final int NOT_A_MEMBER = 2;
  private static final int NOT_YET_VALID = 3;
  private static final int EXPIRED = 4;
  private static final int LOCKED = 5;

  private static StockContractsChain chain;
  private static EvmPolicyChain owner;
  private static EvmPolicyChain second;
  private static EvmPolicyChain stranger;

  @BeforeAll
  static void start() throws Exception {
    chain = StockContractsChain.start();
    owner = chain.chainAs(0);
    second = chain.chainAs(1);
    stranger = chain.chainAs(2);
  }

  @AfterAll
  static void stop() {
    owner.close();
    second.close();
    stranger.close();
    chain.close();
  }

  private static Address dev(int i) {
    return StockContractsChain.address(i);
  }

  private static Window seconds(long from, long until) {
    return new Window(from * 1000, until * 1000);
  }

  private static String reason(Exception e) {
    return ((EvmRevertedException) e).reason();
  }

  @Test
  void managedBy_findsOwnerAndAdminRolesAcrossLogRanges_andDropsWhatChangedSince() throws Exception {
    byte[] raw = new byte[Address.EVM_LENGTH];
    new SecureRandom().nextBytes(raw);
    Address who = Address.ofEvm(raw);
    PolicyId list = owner.createAllowList();
    owner.addAdmin(list, who);
    owner.grant(list, dev(3), Window.ALWAYS);
    long afterList = chain.base.head();
    // more blocks than one eth_getLogs range, so the second policy's events are in another range
    chain.base.rpc("anvil_mine", "0x" + Long.toHexString(EvmPolicyChain.LOG_RANGE_BLOCKS + 500));
    PolicyId given = owner.createAllowList();
    owner.transferOwnership(given, who);

    List<PolicySummary> found = stranger.managedBy(who);
    assertEquals(List.of(list, given).stream().map(PolicyId::toString).sorted().toList(),
        found.stream().map(x -> x.id().toString()).toList());
    PolicySummary l = found.stream().filter(x -> x.id().equals(list)).findFirst().orElseThrow();
    assertEquals("allow-list", l.kind());
    assertEquals(1, l.members());
    assertTrue(l.admins().contains(who));
    PolicySummary t = found.stream().filter(x -> x.id().equals(given)).findFirst().orElseThrow();
    assertEquals(who, t.owner());
    assertEquals(0, t.members());

    assertEquals(List.of(given), stranger.managedBy(who, afterList + 1).stream().map(PolicySummary::id).toList(),
        "from a later block, only the later events count");
    owner.removeAdmin(list, who);
    assertEquals(List.of(given), stranger.managedBy(who).stream().map(PolicySummary::id).toList(),
        "an admin removed since is confirmed away against the contract's state");
  }

  @Test
  void grant_windowBoundaries_exactToTheSecond() throws Exception {
    PolicyId p = owner.createAllowList();
    long t = chain.futureSeconds();
    owner.grant(p, dev(3), seconds(t + 10, t + 20));
    chain.mineAt(t + 9);
    assertEquals(NOT_YET_VALID, chain.canRead(p, dev(3)).reason());
    chain.mineAt(t + 10);
    assertEquals(new StockContractsChain.Answer(ALLOWED, BigInteger.valueOf(t + 20)), chain.canRead(p, dev(3)));
    chain.mineAt(t + 19);
    assertEquals(ALLOWED, chain.canRead(p, dev(3)).reason());
    chain.mineAt(t + 20);
    assertEquals(EXPIRED, chain.canRead(p, dev(3)).reason());
    assertEquals(NOT_A_MEMBER, chain.canRead(p, dev(4)).reason());
  }

  @Test
  void grant_millisecondWindow_isStoredNeverWiderThanAsked() throws Exception {
    PolicyId p = owner.createAllowList();
    owner.grant(p, dev(3), new Window(1_500, 3_999));
    owner.grant(p, dev(4), Window.ALWAYS);
    AllowList list = (AllowList) owner.policy(p);
    assertEquals(new Window(2_000, 3_000), list.members().get(dev(3)));
    assertEquals(Window.ALWAYS, list.members().get(dev(4)));
    assertEquals(EvmPolicyChain.NO_END, chain.canRead(p, dev(4)).validUntil());
    Exception e = assertThrows(EvmRevertedException.class, () -> owner.grant(p, dev(2), new Window(1_500, 2_500)));
    assertEquals(Reason.INVALID_WINDOW.name(), reason(e));
  }

  @Test
  void revoke_deniesFromItsBlock_andTwiceIsNotAMember() throws Exception {
    PolicyId p = owner.createAllowList();
    long granted = owner.grant(p, dev(3), Window.ALWAYS);
    assertEquals(ALLOWED, chain.canRead(p, dev(3)).reason());
    long revoked = owner.revoke(p, dev(3));
    assertTrue(revoked > granted);
    assertEquals(NOT_A_MEMBER, chain.canRead(p, dev(3)).reason());
    assertEquals(Reason.NOT_A_MEMBER.name(), reason(assertThrows(EvmRevertedException.class, () -> owner.revoke(p, dev(3)))));
  }

  @Test
  void changeWindow_endsAccessAtTheNewEnd() throws Exception {
    PolicyId p = owner.createAllowList();
    owner.grant(p, dev(3), Window.ALWAYS);
    long t = chain.futureSeconds();
    owner.changeWindow(p, dev(3), seconds(0, t));
    chain.mineAt(t - 1);
    assertEquals(new StockContractsChain.Answer(ALLOWED, BigInteger.valueOf(t)), chain.canRead(p, dev(3)));
    chain.mineAt(t);
    assertEquals(EXPIRED, chain.canRead(p, dev(3)).reason());
    assertEquals(Reason.NOT_A_MEMBER.name(),
        reason(assertThrows(EvmRevertedException.class, () -> owner.changeWindow(p, dev(4), Window.ALWAYS))));
  }

  @Test
  void grant_byStranger_refusedNotAuthorized() throws Exception {
    PolicyId p = owner.createAllowList();
    Exception e = assertThrows(EvmRevertedException.class, () -> stranger.grant(p, dev(2), Window.ALWAYS));
    assertEquals(Reason.NOT_AUTHORIZED.name(), reason(e));
    assertEquals(NOT_A_MEMBER, chain.canRead(p, dev(2)).reason());
  }

  @Test
  void grant_twice_refusedAlreadyMember() throws Exception {
    PolicyId p = owner.createAllowList();
    owner.grant(p, dev(3), Window.ALWAYS);
    assertEquals(Reason.ALREADY_MEMBER.name(),
        reason(assertThrows(EvmRevertedException.class, () -> owner.grant(p, dev(3), Window.ALWAYS))));
  }

  @Test
  void admin_managesMembers_butNeitherAdminsNorOwnership() throws Exception {
    PolicyId p = owner.createAllowList();
    owner.addAdmin(p, dev(1));
    assertEquals(Reason.ALREADY_ADMIN.name(),
        reason(assertThrows(EvmRevertedException.class, () -> owner.addAdmin(p, dev(1)))));
    second.grant(p, dev(3), Window.ALWAYS);
    assertEquals(ALLOWED, chain.canRead(p, dev(3)).reason());
    assertEquals(Reason.NOT_AUTHORIZED.name(),
        reason(assertThrows(EvmRevertedException.class, () -> second.addAdmin(p, dev(4)))));
    assertEquals(Reason.NOT_AUTHORIZED.name(),
        reason(assertThrows(EvmRevertedException.class, () -> second.removeAdmin(p, dev(1)))));
    assertEquals(Reason.NOT_AUTHORIZED.name(),
        reason(assertThrows(EvmRevertedException.class, () -> second.transferOwnership(p, dev(1)))));
    assertEquals(Set.of(dev(1)), owner.policy(p).admins());
    owner.removeAdmin(p, dev(1));
    assertEquals(Reason.NOT_AN_ADMIN.name(),
        reason(assertThrows(EvmRevertedException.class, () -> owner.removeAdmin(p, dev(1)))));
    assertEquals(Reason.NOT_AUTHORIZED.name(),
        reason(assertThrows(EvmRevertedException.class, () -> second.revoke(p, dev(3)))));
  }

  @Test
  void addAdmin_pastThirtyTwo_refusedLimitExceeded() throws Exception {
    PolicyId p = owner.createAllowList();
    for (int i = 0; i < 32; i++) {
      owner.addAdmin(p, Address.ofEvm(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, (byte) i}));
    }
    assertEquals(32, owner.policy(p).admins().size());
    assertEquals(Reason.LIMIT_EXCEEDED.name(),
        reason(assertThrows(EvmRevertedException.class, () -> owner.addAdmin(p, dev(1)))));
  }

  @Test
  void transferOwnership_movesEveryRight() throws Exception {
    PolicyId p = owner.createAllowList();
    owner.transferOwnership(p, dev(1));
    assertEquals(dev(1), owner.policy(p).owner());
    assertEquals(Reason.NOT_AUTHORIZED.name(),
        reason(assertThrows(EvmRevertedException.class, () -> owner.grant(p, dev(3), Window.ALWAYS))));
    second.grant(p, dev(3), Window.ALWAYS);
    second.addAdmin(p, dev(0));
    owner.revoke(p, dev(3));
    assertEquals(NOT_A_MEMBER, chain.canRead(p, dev(3)).reason());
  }

  @Test
  void transferOwnership_toTheZeroAddress_isRefusedByTheClientAndByTheContract() throws Exception {
    PolicyId p = owner.createAllowList();
    Address zero = Address.ofEvm(new byte[Address.EVM_LENGTH]);
    assertThrows(IllegalArgumentException.class, () -> owner.transferOwnership(p, zero));
    EvmRevertedException e = assertThrows(EvmRevertedException.class, () -> chain.txAs(0)
        .send(chain.addresses.policies().evmHex(), CachetPoliciesAbi.transferOwnership(p.bytes(), zero.evmHex())));
    assertTrue(e.getMessage().contains("ZeroOwner"), e.getMessage());
    assertEquals(dev(0), owner.policy(p).owner());
  }

  @Test
  void canRead_ofAnyContract_answersItsCode_andRefusesAnAddressWithoutOne() throws Exception {
    PolicyId p = owner.createAllowList();
    owner.grant(p, dev(3), Window.ALWAYS);
    Address policies = chain.addresses.policies();
    assertEquals(ALLOWED, owner.canRead(policies, p, dev(3)));
    assertEquals(NOT_A_MEMBER, owner.canRead(policies, p, dev(4)));
    assertEquals(UNKNOWN_POLICY, owner.canRead(policies, PolicyId.random(new SecureRandom()), dev(3)));
    EvmRevertedException noCode = assertThrows(EvmRevertedException.class,
        () -> owner.canRead(dev(4), p, dev(3)));
    assertEquals(Reason.UNKNOWN_POLICY.name(), reason(noCode));
    assertTrue(noCode.getMessage().contains("no contract at"), noCode.getMessage());
    EvmRevertedException notAPolicy = assertThrows(EvmRevertedException.class,
        () -> owner.canRead(chain.addresses.blobRegistry(), p, dev(3)));
    assertEquals(Reason.UNKNOWN_POLICY.name(), reason(notAPolicy));
  }

  @Test
  void timeLock_lockedAtUnlockAtMinusOne_openAtUnlockAt_andImmutable() throws Exception {
    long t = chain.futureSeconds();
    PolicyId p = owner.createTimeLock(Instant.ofEpochSecond(t + 50));
    assertEquals((t + 50) * 1000, ((TimeLock) owner.policy(p)).unlockAt());
    chain.mineAt(t + 49);
    assertEquals(LOCKED, chain.canRead(p, dev(3)).reason());
    chain.mineAt(t + 50);
    assertEquals(new StockContractsChain.Answer(ALLOWED, EvmPolicyChain.NO_END), chain.canRead(p, dev(3)));
    assertEquals(Reason.IMMUTABLE_POLICY.name(),
        reason(assertThrows(EvmRevertedException.class, () -> owner.grant(p, dev(3), Window.ALWAYS))));
    assertEquals(Reason.IMMUTABLE_POLICY.name(),
        reason(assertThrows(EvmRevertedException.class, () -> owner.transferOwnership(p, dev(1)))));
  }

  @Test
  void timeLock_millisecondUnlock_roundsUp() throws Exception {
    PolicyId p = owner.createTimeLock(Instant.ofEpochMilli(5_001));
    assertEquals(6_000, ((TimeLock) owner.policy(p)).unlockAt());
  }

  @Test
  void unknownPolicy_deniedByCanRead_andRefusedToWritersAndReaders() throws Exception {
    PolicyId p = PolicyId.random(new SecureRandom());
    assertEquals(UNKNOWN_POLICY, chain.canRead(p, dev(3)).reason());
    assertEquals(Reason.UNKNOWN_POLICY.name(),
        reason(assertThrows(EvmRevertedException.class, () -> owner.grant(p, dev(3), Window.ALWAYS))));
    assertEquals(Reason.UNKNOWN_POLICY.name(), reason(assertThrows(EvmRevertedException.class, () -> owner.policy(p))));
  }

  @Test
  @SuppressWarnings("rawtypes")
  void policyId_isKeccakOfChainContractSenderAndNonce() throws Exception {
    BigInteger nonce = (BigInteger) chain.txAs(0).call(chain.addresses.policies().evmHex(),
        new Function("nonces", List.of(abiAddress(dev(0))), List.of(new TypeReference<Uint256>() {})),
        DefaultBlockParameterName.LATEST).get(0).getValue();
    List<Type> words = List.of(new Uint256(chain.anvil.chainId()), abiAddress(chain.addresses.policies()),
        abiAddress(dev(0)), new Uint256(nonce));
    byte[] expected = Hash.sha3(Numeric.hexStringToByteArray(FunctionEncoder.encodeConstructor(words)));
    PolicyId p = owner.createAllowList();
    assertArrayEquals(expected, p.bytes());
    assertNotEquals(p, owner.createAllowList());
  }

  @Test
  void ledgerIds_nameChainAndContract() throws Exception {
    assertEquals("eip155:31337", owner.ledgerId());
    assertEquals(new EvmLedgerId(31337, chain.addresses.policies()).toString(), owner.envelopeLedgerId());
    assertEquals(dev(0), owner.address());
    PolicyChain.Head head = owner.head();
    long number = chain.web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    assertTrue(head.height() <= number && head.height() > 0);
    assertEquals(0, head.timeMillis() % 1000);
  }

  @Test
  void connect_toAnotherChainId_refused() {
    IOException e = assertThrows(IOException.class, () -> new EvmPolicyChain(StockContractsChain.credentials(0), 1,
        chain.anvil.rpcUrl(), chain.addresses.policies()));
    assertTrue(e.getMessage().contains("31337"), e.getMessage());
  }

  @Test
  void supportsInterface_answersForICachetPolicy() throws Exception {
    byte[] canRead = Numeric.hexStringToByteArray(ContractErrors.selector("canRead(bytes32,address)"));
    byte[] other = {1, 2, 3, 4};
    assertEquals(Boolean.TRUE, call(CachetPoliciesAbi.supportsInterface(canRead)));
    assertEquals(Boolean.FALSE, call(CachetPoliciesAbi.supportsInterface(other)));
  }

  @Test
  void windowConversion_roundsStartUpAndEndDown() {
    assertEquals(BigInteger.valueOf(2), EvmPolicyChain.secondsUp(1_001));
    assertEquals(BigInteger.valueOf(1), EvmPolicyChain.secondsUp(1_000));
    assertEquals(BigInteger.valueOf(1), EvmPolicyChain.endSeconds(1_999));
    assertEquals(EvmPolicyChain.NO_END, EvmPolicyChain.endSeconds(Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, EvmPolicyChain.millis(EvmPolicyChain.NO_END));
    assertInstanceOf(Long.class, EvmPolicyChain.millis(BigInteger.TEN));
  }

  private static org.web3j.abi.datatypes.Address abiAddress(Address a) {
    return new org.web3j.abi.datatypes.Address(a.evmHex());
  }

  private static Object call(Function f) throws Exception {
    return chain.txAs(0).call(chain.addresses.policies().evmHex(), f, DefaultBlockParameterName.LATEST).get(0).getValue();
  }
}
