package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyLedger.LedgerView;
import io.cachet.policy.Reason;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two RPCs that must agree on the confirmed block: while the second lies about its hash, the view does not advance. */
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
}
