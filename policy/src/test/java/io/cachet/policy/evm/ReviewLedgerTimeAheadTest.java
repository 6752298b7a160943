package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Decision;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Review evidence (reviewer R): issue 12's rule "a follower must not apply a block stamped later
 * than its own clock plus a small tolerance" is not applied on an EVM chain. A chain whose block
 * time runs 20 minutes ahead of the key server (an L2 sequencer may stamp ahead; a dev chain
 * can) opens a time lock 10 minutes early. FAILS on 15a9a94.
 */
// fails on main until fixed: run with -Dcachet.review=true, so a merge of this branch keeps verify green
@EnabledIfSystemProperty(named = "cachet.review", matches = "true")
class ReviewLedgerTimeAheadTest {
  @Test
  void timeLock_chainStampedTwentyMinutesAhead_opensNothingEarly() throws Exception {
    try (StockContractsChain s = StockContractsChain.start()) {
      long serverSeconds = s.futureSeconds();
      SettableClock clock = new SettableClock(serverSeconds * 1000);
      PolicyId lock = s.chainAs(0).createTimeLock(Instant.ofEpochSecond(serverSeconds + 600));
      s.mineAt(serverSeconds + 1200);
      try (EvmPolicyLedger ledger = EvmPolicyLedger.start(EvmLedgerConfig.of(s.anvil.rpcUrl(), s.anvil.chainId(), 0,
          clock).withPollInterval(Duration.ofHours(1)))) {
        ledger.pollNow();
        Decision d = ledger.evaluate(new EvmLedgerId(s.anvil.chainId(), s.addresses.policies()).toString(), lock,
            Address.ofEvm(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}));
        assertFalse(d.allowed(), "the lock opens at server time +10 min; the server's clock says it is closed,"
            + " but the chain stamped +20 min decided: " + d.message());
      }
    }
  }
}
