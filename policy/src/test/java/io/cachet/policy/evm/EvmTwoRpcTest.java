package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Decision;
import io.cachet.policy.PolicyLedger.LedgerView;
import io.cachet.policy.Reason;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two RPCs that must agree: on the confirmed block (while the second lies about its hash, the
 * view does not advance), at the lower of their heads, and on every canRead answer (a lying
 * primary cannot grant alone).
 */
class EvmTwoRpcTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static Vertx vertx;
  private static EvmTestChain chain;
  private static RpcProxy liar;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    chain = EvmTestChain.start();
    liar = RpcProxy.start(vertx, chain.rpcUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    liar.close();
    chain.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void disagreeingRpcs_holdTheView_untilTheyAgree() throws Exception {
    Address settable = chain.deploy("SettablePolicy");
    SettableClock clock = new SettableClock(System.currentTimeMillis());
    liar.rewriteHashes(true);
    try (EvmPolicyLedger ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(chain.rpcUrl(), chain.chainId(), 0, clock)
        .withSecondRpc(liar.url()).withPollInterval(Duration.ofHours(1)))) {
      ledger.pollNow();
      assertEquals(-1, ledger.view().height(), "never agreed: no view");
      assertEquals(0, ledger.view().lastContact());
      assertTrue(ledger.lastError().contains("disagree"), ledger.lastError());
      byte[] b = new byte[20];
      RANDOM.nextBytes(b);
      Address reader = Address.ofEvm(b);
      PolicyId p = PolicyId.random(RANDOM);
      String envelope = new EvmLedgerId(chain.chainId(), settable).toString();
      assertEquals(Reason.LEDGER_UNAVAILABLE, ledger.evaluate(envelope, p, reader).reason());

      liar.rewriteHashes(false);
      ledger.pollNow();
      LedgerView agreed = ledger.view();
      assertEquals(chain.head(), agreed.height());

      liar.rewriteHashes(true);
      long grant = chain.set(settable, p, reader, 0, EvmPolicyLedger.NEVER);
      chain.mine(2);
      clock.advance(60_000);
      ledger.pollNow();
      assertEquals(agreed, ledger.view(), "neither the block nor the last contact moved");
      assertFalse(ledger.evaluate(envelope, p, reader).allowed(), "the grant is past a block they disagree on");
      assertTrue(ledger.view().ageMillis(clock.millis()) >= 60_000, "the view ages toward staleness");

      liar.rewriteHashes(false);
      ledger.pollNow();
      assertTrue(ledger.view().height() >= grant);
      assertTrue(ledger.evaluate(envelope, p, reader).allowed());
    }
  }

  @Test
  void lyingPrimaryRpc_withAnHonestSecond_deniesLedgerUnavailable_andCachesNothing() throws Exception {
    Address settable = chain.deploy("SettablePolicy");
    byte[] b = new byte[20];
    RANDOM.nextBytes(b);
    Address stranger = Address.ofEvm(b);
    PolicyId p = PolicyId.random(RANDOM);
    String envelope = new EvmLedgerId(chain.chainId(), settable).toString();
    SettableClock clock = new SettableClock(System.currentTimeMillis());
    try (RpcProxy primary = RpcProxy.start(vertx, chain.rpcUrl());
        EvmPolicyLedger ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(primary.url(), chain.chainId(), 0, clock)
            .withSecondRpc(chain.rpcUrl()).withPollInterval(Duration.ofHours(1)))) {
      chain.mine(1);
      ledger.pollNow();
      Reason honest = ledger.evaluate(envelope, p, stranger).reason();
      assertTrue(honest != Reason.ALLOWED && honest != Reason.LEDGER_UNAVAILABLE, "both honest: " + honest);
      primary.allowEverything(true);
      chain.mine(1);
      ledger.pollNow();
      int cached = ledger.cachedAnswers();
      Decision d = ledger.evaluate(envelope, p, stranger);
      assertFalse(d.allowed(), d.message());
      assertEquals(Reason.LEDGER_UNAVAILABLE, d.reason());
      assertTrue(d.message().contains("the two RPCs disagree"), d.message());
      assertEquals(cached, ledger.cachedAnswers(), "a disagreement is not kept");
      primary.allowEverything(false);
      assertEquals(honest, ledger.evaluate(envelope, p, stranger).reason(), "asked again, agreed");
    }
  }

  @Test
  void secondRpcOneBlockBehind_confirmsAtTheLowerHead() throws Exception {
    SettableClock clock = new SettableClock(System.currentTimeMillis());
    try (RpcProxy behind = RpcProxy.start(vertx, chain.rpcUrl());
        EvmPolicyLedger ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(chain.rpcUrl(), chain.chainId(), 0, clock)
            .withSecondRpc(behind.url()).withPollInterval(Duration.ofHours(1)))) {
      chain.mine(1);
      long lower = chain.head();
      behind.pinHead(lower);
      chain.mine(1);
      ledger.pollNow();
      assertEquals(lower, ledger.view().height(), "confirmed at the block both have");
      assertEquals(null, ledger.lastError());
      behind.pinHead(-1);
      ledger.pollNow();
      assertEquals(chain.head(), ledger.view().height());
    }
  }
}
