package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Decision;
import io.cachet.policy.Follower;
import io.cachet.policy.Reason;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's rule on an EVM chain: a confirmed block stamped later than this node's clock plus
 * the tolerance is held, not decided at, so a chain stamped ahead (an L2 sequencer may; a dev
 * chain can) opens no time lock early; it is taken once this node's clock arrives.
 */
class EvmLedgerClockTest {
  private static final Address READER = Address.ofEvm(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
      16, 17, 18, 19, 20});

  @Test
  void timeLock_chainStampedTwentyMinutesAhead_opensNothingEarly_andOpensOnceTheClockArrives() throws Exception {
    try (StockContractsChain s = StockContractsChain.start()) {
      long serverSeconds = s.futureSeconds();
      SettableClock clock = new SettableClock(serverSeconds * 1000);
      PolicyId lock = s.chainAs(0).createTimeLock(Instant.ofEpochSecond(serverSeconds + 600));
      long before = s.chainAs(0).head().height();
      s.mineAt(serverSeconds + 1200);
      String envelope = new EvmLedgerId(s.anvil.chainId(), s.addresses.policies()).toString();
      try (EvmPolicyLedger ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(s.anvil.rpcUrl(), s.anvil.chainId(), 0,
          clock).withPollInterval(Duration.ofHours(1)))) {
        ledger.pollNow();
        Decision d = ledger.evaluate(envelope, lock, READER);
        assertFalse(d.allowed(), "the lock opens at server time +10 min, the chain is stamped +20 min: "
            + d.message());
        assertEquals(before + 1, ledger.heldHeight(), "the block stamped ahead is held");
        assertEquals((serverSeconds + 1200) * 1000, ledger.heldBlockTime());

        clock.set((serverSeconds + 1200) * 1000 - Follower.DEFAULT_CLOCK_TOLERANCE.toMillis());
        ledger.pollNow();
        assertEquals(-1, ledger.heldHeight(), "taken once the clock reaches the stamp minus the tolerance");
        assertEquals(before + 1, ledger.view().height());
        assertTrue(ledger.evaluate(envelope, lock, READER).allowed());
      }
    }
  }

  @Test
  void blockStampedWithinTheTolerance_isTakenAtOnce() throws Exception {
    try (StockContractsChain s = StockContractsChain.start()) {
      long serverSeconds = s.futureSeconds();
      SettableClock clock = new SettableClock(serverSeconds * 1000);
      s.mineAt(serverSeconds + 5);
      try (EvmPolicyLedger ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(s.anvil.rpcUrl(), s.anvil.chainId(), 0,
          clock).withClockTolerance(Duration.ofSeconds(5)).withPollInterval(Duration.ofHours(1)))) {
        ledger.pollNow();
        assertEquals(-1, ledger.heldHeight());
        assertEquals((serverSeconds + 5) * 1000, ledger.view().ledgerTime());
        assertNotEquals(Reason.LEDGER_UNAVAILABLE, ledger.evaluate(new EvmLedgerId(s.anvil.chainId(),
            s.addresses.policies()).toString(), PolicyId.random(new SecureRandom()), READER).reason());
      }
    }
  }
}
