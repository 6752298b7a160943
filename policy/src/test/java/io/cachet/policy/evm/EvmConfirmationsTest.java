package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Decision;
import io.cachet.policy.Reason;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Decisions at the confirmed depth, and what reorgs (anvil_reorg) and reverts (evm_revert) can
 * and cannot do to them, with 0 and with 2 confirmations.
 */
class EvmConfirmationsTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static EvmTestChain chain;
  private static Address settable;
  private static EvmPolicyLedger atHead;
  private static EvmPolicyLedger twoDeep;

  @BeforeAll
  static void start() throws IOException {
    chain = EvmTestChain.start();
    settable = chain.deploy("SettablePolicy");
    atHead = EvmPolicyLedger.start(EvmLedgerConfig.of(chain.rpcUrl(), chain.chainId(), 0, Clock.systemUTC())
        .withPollInterval(Duration.ofHours(1)));
    twoDeep = EvmPolicyLedger.start(EvmLedgerConfig.of(chain.rpcUrl(), chain.chainId(), 2, Clock.systemUTC())
        .withPollInterval(Duration.ofHours(1)));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {atHead, twoDeep, chain}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing the rest matters more
      }
    }
  }

  private static Address reader() {
    byte[] b = new byte[20];
    RANDOM.nextBytes(b);
    return Address.ofEvm(b);
  }

  private static Decision decide(EvmPolicyLedger ledger, PolicyId p, Address r) {
    ledger.pollNow();
    return ledger.evaluate(new EvmLedgerId(chain.chainId(), settable).toString(), p, r);
  }

  private static long grant(PolicyId p, Address r) throws IOException {
    return chain.set(settable, p, r, 0, EvmPolicyLedger.NEVER);
  }

  /** The hash of the chain's block {@code number} now. */
  private static String hashOf(long number) throws IOException {
    return ((JsonObject) chain.rpc("eth_getBlockByNumber", "0x" + Long.toHexString(number), false)).getString("hash");
  }

  @Test
  void grant_honouredAtOnce_withZeroConfirmations() throws IOException {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    long block = grant(p, r);
    Decision d = decide(atHead, p, r);
    assertTrue(d.allowed(), d.message());
    assertEquals(block, d.height());
  }

  @Test
  void grant_notHonouredUntilTwoMoreBlocks_withTwoConfirmations() throws IOException {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    long block = grant(p, r);
    assertEquals(Reason.UNKNOWN_POLICY, decide(twoDeep, p, r).reason(), "the grant is at the head");
    assertEquals(block - 2, twoDeep.view().height());
    chain.mine(1);
    assertFalse(decide(twoDeep, p, r).allowed(), "one block above the grant");
    chain.mine(1);
    Decision d = decide(twoDeep, p, r);
    assertTrue(d.allowed(), d.message());
    assertEquals(block, d.height());
  }

  @Test
  void orphanedGrant_neverReleased_withTwoConfirmations() throws IOException {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    long block = grant(p, r);
    assertFalse(decide(twoDeep, p, r).allowed());
    chain.mine(1);
    assertFalse(decide(twoDeep, p, r).allowed());
    // the two blocks above the confirmed depth, the grant's among them, are replaced by empty ones
    chain.rpc("anvil_reorg", 2, new JsonArray());
    assertEquals(block + 1, chain.head());
    assertFalse(decide(twoDeep, p, r).allowed());
    chain.mine(3);
    Decision d = decide(twoDeep, p, r);
    assertFalse(d.allowed(), "the grant was orphaned: " + d.message());
    assertEquals(Reason.UNKNOWN_POLICY, d.reason());
    assertEquals(hashOf(d.height()), hashOf(twoDeep.view().height()));
  }

  @Test
  void revertedGrant_neverReleased_withTwoConfirmations() throws IOException {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    String snapshot = chain.snapshot();
    grant(p, r);
    chain.mine(1);
    assertFalse(decide(twoDeep, p, r).allowed());
    chain.revert(snapshot);
    chain.mine(4);
    Decision d = decide(twoDeep, p, r);
    assertFalse(d.allowed(), d.message());
    assertEquals(Reason.UNKNOWN_POLICY, d.reason());
  }

  /**
   * With no confirmations a reorg can undo a release that already happened (the trust assumption
   * CHAINS.md states); what it cannot do is keep releasing on the orphaned block: the next
   * decision follows the new chain, even at the same height.
   */
  @Test
  void reorg_withZeroConfirmations_undoesTheGrant_andDecisionsFollowTheNewChain() throws IOException {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    long block = grant(p, r);
    Decision before = decide(atHead, p, r);
    assertTrue(before.allowed(), "released on the head, before the reorg");
    String orphan = hashOf(block);
    chain.rpc("anvil_reorg", 1, new JsonArray());
    assertNotEquals(orphan, hashOf(block));
    Decision after = decide(atHead, p, r);
    assertEquals(block, after.height(), "the same height, another block");
    assertFalse(after.allowed(), "the cached answer belonged to the orphaned block: " + after.message());
    assertEquals(Reason.UNKNOWN_POLICY, after.reason());
  }

  @Test
  void orphanedGrant_atTheConfirmedDepth_isNotAnsweredForByTheNewBlock() throws IOException {
    // an allow cached for the orphaned block is keyed by its hash: the new block at that height asks again
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    long block = grant(p, r);
    chain.mine(2);
    assertTrue(decide(twoDeep, p, r).allowed());
    chain.rpc("anvil_reorg", 3, new JsonArray());
    assertEquals(block + 2, chain.head());
    Decision d = decide(twoDeep, p, r);
    assertEquals(block, d.height());
    assertFalse(d.allowed(), "a reorg deeper than the confirmation depth is followed: " + d.message());
  }

  /** An RPC whose head goes back (a lagging backend behind a load balancer) must not re-open a revocation. */
  @Test
  void headGoingBackBelowARevocation_keepsTheConfirmedBlock_andTheRevocation() throws Exception {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    String envelope = new EvmLedgerId(chain.chainId(), settable).toString();
    Vertx vertx = Vertx.vertx();
    try (RpcProxy lagging = RpcProxy.start(vertx, chain.rpcUrl());
        EvmPolicyLedger ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(lagging.url(), chain.chainId(), 0,
            Clock.systemUTC()).withPollInterval(Duration.ofHours(1)))) {
      long granted = grant(p, r);
      assertTrue(decide(ledger, p, r).allowed(), "granted at block " + granted);
      long revoked = chain.set(settable, p, r, 2, BigInteger.ZERO);
      assertFalse(decide(ledger, p, r).allowed(), "revoked at block " + revoked);
      lagging.pinHead(granted);
      Decision d = decide(ledger, p, r);
      assertFalse(d.allowed(), "went back from block " + revoked + " to " + d.height() + ": " + d.message());
      assertEquals(revoked, ledger.view().height(), "the confirmed block did not go back");
      assertEquals(null, ledger.lastError());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
