package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Decision;
import io.cachet.policy.Reason;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Decisions from real policy contracts on a real anvil, at the confirmed block, with reasons mapped. */
class EvmPolicyLedgerTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final BigInteger NEVER = EvmPolicyLedger.NEVER;

  private static EvmTestChain chain;
  private static Address settable;
  private static SettableClock clock;
  private static EvmPolicyLedger ledger;

  @BeforeAll
  static void start() throws IOException {
    chain = EvmTestChain.start();
    settable = chain.deploy("SettablePolicy");
    clock = new SettableClock(System.currentTimeMillis());
    // a poll interval far longer than the test: each test steps the follower itself
    ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(chain.rpcUrl(), chain.chainId(), 0, clock)
        .withPollInterval(Duration.ofHours(1)));
  }

  @AfterAll
  static void stop() {
    if (ledger != null) {
      ledger.close();
    }
    if (chain != null) {
      chain.close();
    }
  }

  private static Address reader() {
    byte[] b = new byte[20];
    RANDOM.nextBytes(b);
    return Address.ofEvm(b);
  }

  private static String at(Address contract) {
    return new EvmLedgerId(chain.chainId(), contract).toString();
  }

  private static Decision decide(Address contract, PolicyId policy, Address reader) {
    ledger.pollNow();
    return ledger.evaluate(at(contract), policy, reader);
  }

  @Test
  void allowed_whenTheContractAllowsAtTheConfirmedBlock() throws IOException {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    long block = chain.set(settable, p, r, 0, NEVER);
    Decision d = decide(settable, p, r);
    assertTrue(d.allowed(), d.message());
    assertEquals(Reason.ALLOWED, d.reason());
    assertEquals(block, d.height());
    assertEquals(chain.timestamp(block) * 1000, d.ledgerTime());
    assertEquals(block, ledger.view().height());
  }

  @Test
  void unknownPolicy_whenTheContractKnowsNone() {
    Decision d = decide(settable, PolicyId.random(RANDOM), reader());
    assertFalse(d.allowed());
    assertEquals(Reason.UNKNOWN_POLICY, d.reason());
  }

  @Test
  void reasons_mappedFromTheContractsCodes() throws IOException {
    Map<Integer, Reason> expected = Map.of(1, Reason.UNKNOWN_POLICY, 2, Reason.NOT_A_MEMBER, 3, Reason.NOT_YET_VALID,
        4, Reason.EXPIRED, 5, Reason.LOCKED, 6, Reason.NOT_A_HOLDER, 7, Reason.DENIED_BY_POLICY,
        64, Reason.DENIED_BY_POLICY, 255, Reason.DENIED_BY_POLICY);
    for (Map.Entry<Integer, Reason> e : expected.entrySet()) {
      PolicyId p = PolicyId.random(RANDOM);
      Address r = reader();
      chain.set(settable, p, r, e.getKey(), NEVER);
      Decision d = decide(settable, p, r);
      assertFalse(d.allowed(), "code " + e.getKey());
      assertEquals(e.getValue(), d.reason(), "code " + e.getKey());
      if (e.getKey() >= 64) {
        assertTrue(d.message().contains("code " + e.getKey()), d.message());
      }
    }
  }

  @Test
  void expired_whenThisServersClockReachesValidUntil_thoughBlockTimeIsBefore() throws IOException {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    long now = System.currentTimeMillis() / 1000;
    long validUntil = now + 3600;
    long block = chain.set(settable, p, r, 0, BigInteger.valueOf(validUntil));
    long blockTime = chain.timestamp(block);
    clock.set(blockTime * 1000);
    assertTrue(decide(settable, p, r).allowed());
    clock.set(validUntil * 1000 - 1);
    assertTrue(decide(settable, p, r).allowed(), "one millisecond before validUntil");
    clock.set(validUntil * 1000);
    Decision d = decide(settable, p, r);
    assertFalse(d.allowed());
    assertEquals(Reason.EXPIRED, d.reason());
    assertTrue(d.message().contains("this server's clock"), d.message());
    assertTrue(d.ledgerTime() < validUntil * 1000, "the block time is before validUntil");
    clock.set(System.currentTimeMillis());
  }

  @Test
  void expired_whenBlockTimeReachesValidUntil() throws IOException {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    long head = chain.head();
    // validUntil at the block's own time: expired by ledger time whatever this server's clock says
    long t = chain.timestamp(head) + 10;
    chain.setNextBlockTimestamp(t);
    chain.set(settable, p, r, 0, BigInteger.valueOf(t));
    // taken with this server's clock at the block's time: a clock far behind the block would hold it
    clock.set(t * 1000);
    ledger.pollNow();
    clock.set(0);
    Decision d = ledger.evaluate(at(settable), p, r);
    clock.set(System.currentTimeMillis());
    assertFalse(d.allowed());
    assertEquals(Reason.EXPIRED, d.reason());
    assertTrue(d.message().contains("ledger time"), d.message());
  }

  @Test
  void hostileContracts_denyUnknownPolicy_andDoNotThrow() throws IOException {
    for (String name : new String[] {"GasBurner", "RevertingPolicy", "ShortAnswerPolicy", "WideAnswerPolicy"}) {
      Address c = chain.deploy(name);
      Decision d = decide(c, PolicyId.random(RANDOM), reader());
      assertFalse(d.allowed(), name);
      assertEquals(Reason.UNKNOWN_POLICY, d.reason(), name + ": " + d.message());
      assertTrue(d.message().contains("did not answer canRead"), name + ": " + d.message());
    }
  }

  @Test
  void noCodeAtTheContract_deniesUnknownPolicy() {
    Address nobody = reader();
    Decision d = decide(nobody, PolicyId.random(RANDOM), reader());
    assertFalse(d.allowed());
    assertEquals(Reason.UNKNOWN_POLICY, d.reason());
    assertTrue(d.message().contains("no policy contract at"), d.message());
  }

  @Test
  void nonEvmRequester_isDeniedNotAMember() throws IOException {
    PolicyId p = PolicyId.random(RANDOM);
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    Decision d = decide(settable, p, Address.ofEd25519(key));
    assertFalse(d.allowed());
    assertEquals(Reason.NOT_A_MEMBER, d.reason());
    assertTrue(d.message().contains("EVM policies name EVM addresses"), d.message());
  }

  @Test
  void follows_anyContractOnItsChain_andNoOtherChain() {
    assertEquals("eip155:" + chain.chainId(), ledger.ledgerId());
    assertTrue(ledger.follows(at(settable)));
    assertTrue(ledger.follows(at(reader())));
    assertFalse(ledger.follows(new EvmLedgerId(chain.chainId() + 1, settable).toString()));
    assertFalse(ledger.follows("cachet-devnet"));
    Decision d = ledger.evaluate(new EvmLedgerId(1, settable).toString(), PolicyId.random(RANDOM), reader());
    assertEquals(Reason.WRONG_LEDGER, d.reason());
  }

  @Test
  void start_refusesAnRpcOfAnotherChain_namingBoth() {
    IOException e = assertThrows(IOException.class, () -> EvmPolicyLedger.start(
        EvmLedgerConfig.of(chain.rpcUrl(), 1, 0, clock)));
    assertTrue(e.getMessage().contains("31337") && e.getMessage().contains("chain id is 1:"), e.getMessage());
  }
}
