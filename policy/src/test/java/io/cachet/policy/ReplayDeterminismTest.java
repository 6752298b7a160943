package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sequencer and a follower run the same {@link LedgerState#apply}: a thousand random
 * transactions, some valid and many not, applied by the "ledger", and only the accepted ones
 * replayed by a "follower", give identical state and identical outcomes on replay.
 */
class ReplayDeterminismTest {
  private static final long T0 = 1_800_000_000_000L;

  @Test
  void thousandRandomTransactions_ledgerAndFollower_reachIdenticalState() {
    Random r = new Random(42);
    SecureRandom secure = new SecureRandom();
    List<Identity> people = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      people.add(Identity.generate(secure));
    }
    Map<Identity, Long> nonce = new HashMap<>();
    List<PolicyId> ids = new ArrayList<>();
    ids.add(PolicyId.random(secure));
    byte[] genesis = new byte[32];
    secure.nextBytes(genesis);
    LedgerRef ref = new LedgerRef("cachet-test", genesis);
    LedgerState ledger = new LedgerState(null, ref);
    List<Transaction> accepted = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    int refused = 0;
    for (int i = 0; i < 1000; i++) {
      Identity who = people.get(r.nextInt(people.size()));
      PolicyId p = ids.get(r.nextInt(ids.size()));
      Identity other = people.get(r.nextInt(people.size()));
      long a = r.nextInt(1000);
      long b = r.nextInt(1000);
      Operation op = switch (r.nextInt(9)) {
        case 0 -> new Operation.CreateAllowList();
        case 1, 2 -> new Operation.AddMember(p, other.address(), new Window(a, b));
        case 3 -> new Operation.RemoveMember(p, other.address());
        case 4 -> new Operation.ChangeWindow(p, other.address(), new Window(a, b));
        case 5 -> new Operation.AddAdmin(p, other.address());
        case 6 -> new Operation.RemoveAdmin(p, other.address());
        case 7 -> new Operation.TransferOwnership(p, other.address());
        default -> new Operation.CreateTimeLock(a);
      };
      long n = nonce.getOrDefault(who, 0L);
      // now and then a stale or future nonce, which must be refused the same way everywhere
      long used = r.nextInt(20) == 0 ? Math.max(0, n + 1 - r.nextInt(3)) : n;
      Transaction tx = Transaction.sign(who, ref, used, op);
      long time = T0 + i;
      TxOutcome o = ledger.apply(tx, time);
      if (o.accepted()) {
        nonce.put(who, used + 1);
        accepted.add(tx);
        times.add(time);
        if (op instanceof Operation.CreateAllowList || op instanceof Operation.CreateTimeLock) {
          ids.add(LedgerState.policyIdFor(ref, who.address(), used));
        }
      } else {
        refused++;
      }
    }
    LedgerState follower = new LedgerState(null, ref);
    for (int i = 0; i < accepted.size(); i++) {
      assertThat(follower.apply(accepted.get(i), times.get(i)).accepted()).isTrue();
    }
    assertThat(accepted).hasSizeGreaterThan(100);
    assertThat(refused).isGreaterThan(100);
    assertThat(follower.policies()).isEqualTo(ledger.policies());
    assertThat(follower.nonces()).isEqualTo(ledger.nonces());
    for (PolicyId id : ids) {
      for (Identity who : people) {
        for (long t : new long[] {0, 500, 999, T0}) {
          assertThat(follower.evaluate(id, who.address(), t, 1)).isEqualTo(ledger.evaluate(id, who.address(), t, 1));
        }
      }
    }
  }
}
