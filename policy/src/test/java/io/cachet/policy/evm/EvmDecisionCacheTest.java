package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Decision;
import io.cachet.policy.Reason;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The decision cache: at most one eth_call per (block, contract, policy, reader), counted by a
 * real proxy in front of anvil; and a chain that stops answering denies LEDGER_UNAVAILABLE
 * without keeping that answer.
 */
class EvmDecisionCacheTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static Vertx vertx;
  private static EvmTestChain chain;
  private static RpcProxy proxy;
  private static Address settable;
  private static EvmPolicyLedger ledger;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    chain = EvmTestChain.start();
    settable = chain.deploy("SettablePolicy");
    proxy = RpcProxy.start(vertx, chain.rpcUrl());
    ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(proxy.url(), chain.chainId(), 0, Clock.systemUTC())
        .withPollInterval(Duration.ofHours(1)));
  }

  @AfterAll
  static void stop() throws Exception {
    ledger.close();
    proxy.close();
    chain.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Address reader() {
    byte[] b = new byte[20];
    RANDOM.nextBytes(b);
    return Address.ofEvm(b);
  }

  private static String at(Address contract) {
    return new EvmLedgerId(chain.chainId(), contract).toString();
  }

  @Test
  void oneEthCall_perBlockContractPolicyAndReader_evenForConcurrentReleases() throws Exception {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    chain.set(settable, p, r, 0, EvmPolicyLedger.NEVER);
    ledger.pollNow();
    int before = proxy.calls("eth_call");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Decision>> all = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        all.add(pool.submit(() -> {
          go.await();
          return ledger.evaluate(at(settable), p, r);
        }));
      }
      go.countDown();
      for (Future<Decision> f : all) {
        assertTrue(f.get(60, TimeUnit.SECONDS).allowed());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(before + 1, proxy.calls("eth_call"), "32 releases, one eth_call");
    ledger.evaluate(at(settable), p, reader());
    assertEquals(before + 2, proxy.calls("eth_call"), "another reader is another question");
    ledger.evaluate(at(settable), PolicyId.random(RANDOM), r);
    assertEquals(before + 3, proxy.calls("eth_call"), "another policy is another question");
    chain.mine(1);
    ledger.pollNow();
    assertTrue(ledger.evaluate(at(settable), p, r).allowed());
    assertEquals(before + 4, proxy.calls("eth_call"), "another block is another question");
    assertTrue(ledger.evaluate(at(settable), p, r).allowed());
    assertEquals(before + 4, proxy.calls("eth_call"));
  }

  @Test
  void chainNotAnswering_deniesLedgerUnavailable_andIsAskedAgainLater() throws Exception {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    chain.set(settable, p, r, 0, EvmPolicyLedger.NEVER);
    ledger.pollNow();
    proxy.down(true);
    Decision d;
    try {
      d = ledger.evaluate(at(settable), p, r);
    } finally {
      proxy.down(false);
    }
    assertEquals(Reason.LEDGER_UNAVAILABLE, d.reason(), d.message());
    Decision again = ledger.evaluate(at(settable), p, r);
    assertTrue(again.allowed(), "the failure was not cached: " + again.message());
  }

  @Test
  void hostileRpcAnswers_denyLedgerUnavailable_andDoNotThrow() {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    ledger.pollNow();
    String[] answers = {"not json at all", "[1,2,3]", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0xzz\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x" + "00".repeat(200_000) + "\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":\"rate limited\"}}"};
    try {
      for (String answer : answers) {
        proxy.answerWith(answer);
        Decision d = ledger.evaluate(at(settable), p, r);
        assertEquals(Reason.LEDGER_UNAVAILABLE, d.reason(), answer.substring(0, Math.min(40, answer.length())));
        long height = ledger.view().height();
        ledger.pollNow();
        assertEquals(height, ledger.view().height(), "the view holds while the RPC talks nonsense");
      }
    } finally {
      proxy.answerWith(null);
    }
  }

  /** A node's own error that mentions gas is not the contract's failure: not UNKNOWN_POLICY, and not kept. */
  @Test
  void nodeErrorMentioningGas_deniesLedgerUnavailable_andIsNotCached() throws Exception {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    chain.set(settable, p, r, 0, EvmPolicyLedger.NEVER);
    ledger.pollNow();
    int cached = ledger.cachedAnswers();
    proxy.failCalls(new JsonObject().put("code", -32000).put("message", "max fee per gas less than block base fee"));
    try {
      Decision d = ledger.evaluate(at(settable), p, r);
      assertEquals(Reason.LEDGER_UNAVAILABLE, d.reason(), d.message());
      assertEquals(cached, ledger.cachedAnswers(), "a node error is not kept");
    } finally {
      proxy.failCalls(null);
    }
    assertTrue(ledger.evaluate(at(settable), p, r).allowed(), "asked again once the node answers");
  }

  /** A revert the node reports (code 3, or a known halt's wording) is the contract's: UNKNOWN_POLICY, kept. */
  @Test
  void revertReportedByTheNode_deniesUnknownPolicy_andIsCached() throws Exception {
    PolicyId p = PolicyId.random(RANDOM);
    Address r = reader();
    chain.mine(1);
    ledger.pollNow();
    int cached = ledger.cachedAnswers();
    proxy.failCalls(new JsonObject().put("code", 3).put("message", "execution reverted").put("data", "0x"));
    try {
      Decision d = ledger.evaluate(at(settable), p, r);
      assertEquals(Reason.UNKNOWN_POLICY, d.reason(), d.message());
      assertEquals(cached + 1, ledger.cachedAnswers());
    } finally {
      proxy.failCalls(null);
    }
  }

  @Test
  void executionErrors_areTheKnownHaltShapes_only() {
    for (String halt : new String[] {"execution reverted", "execution reverted: no", "EVM error OutOfGas(Basic)",
        "EVM error InvalidFEOpcode", "out of gas", "invalid opcode: INVALID", "stack underflow (0 <=> 1)",
        "stack limit reached 1024 (1023)"}) {
      assertTrue(EvmLedgerRpc.isExecutionError(new JsonObject().put("code", -32000).put("message", halt)), halt);
    }
    for (String node : new String[] {"max fee per gas less than block base fee", "intrinsic gas too low",
        "gas required exceeds allowance (0)", "header not found", "request stack depth exceeded, retry",
        "rate limited: too much gas requested", "missing trie node"}) {
      assertFalse(EvmLedgerRpc.isExecutionError(new JsonObject().put("code", -32000).put("message", node)), node);
    }
    assertTrue(EvmLedgerRpc.isExecutionError(new JsonObject().put("code", 3).put("message", "anything")));
  }
}
