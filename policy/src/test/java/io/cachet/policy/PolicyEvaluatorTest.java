package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The evaluator's time rules: what opens access (a time lock, a window's start) is judged on
 * ledger time alone; a window's end at the later of ledger time and the evaluating server's clock.
 */
class PolicyEvaluatorTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long T0 = 1_800_000_000_000L;
  private static final long HEIGHT = 42;

  private final Address owner = Identity.generate(RANDOM).address();
  private final Address bob = Identity.generate(RANDOM).address();
  private final PolicyId id = PolicyId.random(RANDOM);

  private AllowList listWith(Window w) {
    return new AllowList(id, owner, Set.of(), 2, Map.of(bob, w));
  }

  private Decision at(Policy p, long ledgerTime, long clock) {
    return PolicyEvaluator.evaluate(id, p, bob, ledgerTime, clock, HEIGHT);
  }

  @Test
  void windowStart_judgedOnLedgerTime_notOnTheClock() {
    AllowList list = listWith(new Window(T0 + 100, T0 + 1_000));

    Decision clockPastStart = at(list, T0 + 99, T0 + 500);
    assertThat(clockPastStart.allowed()).isFalse();
    assertThat(clockPastStart.reason()).isEqualTo(Reason.NOT_YET_VALID);

    assertThat(at(list, T0 + 100, T0 + 100).allowed()).isTrue();
    assertThat(at(list, T0 + 100, T0 + 50).allowed()).as("a clock behind the ledger opens nothing later").isTrue();
  }

  @Test
  void windowEnd_judgedAtTheClock_whenTheClockIsLater() {
    AllowList list = listWith(new Window(T0, T0 + 1_000));

    assertThat(at(list, T0 + 500, T0 + 999).allowed()).isTrue();
    Decision clockAtEnd = at(list, T0 + 500, T0 + 1_000);
    assertThat(clockAtEnd.allowed()).isFalse();
    assertThat(clockAtEnd.reason()).isEqualTo(Reason.EXPIRED);
    assertThat(clockAtEnd.message()).contains("this server's clock is 2027-01-15T08:00:01Z");
    assertThat(clockAtEnd.ledgerTime()).as("the decision still reports the ledger time it was made at")
        .isEqualTo(T0 + 500);
    assertThat(clockAtEnd.height()).isEqualTo(HEIGHT);
  }

  @Test
  void windowEnd_judgedAtLedgerTime_whenTheLedgerIsLater() {
    AllowList list = listWith(new Window(T0, T0 + 1_000));

    Decision ledgerAtEnd = at(list, T0 + 1_000, T0 + 10);
    assertThat(ledgerAtEnd.allowed()).isFalse();
    assertThat(ledgerAtEnd.reason()).isEqualTo(Reason.EXPIRED);
    assertThat(ledgerAtEnd.message()).contains("ledger time is");
  }

  @Test
  void windowWithoutEnd_neverExpires_atAnyClock() {
    assertThat(at(listWith(Window.ALWAYS), T0, Long.MAX_VALUE - 1).allowed()).isTrue();
  }

  @Test
  void timeLock_judgedOnLedgerTimeAlone() {
    TimeLock lock = new TimeLock(id, owner, Set.of(), 1, T0 + 1_000);

    Decision clockPastUnlock = at(lock, T0 + 999, T0 + 60_000);
    assertThat(clockPastUnlock.allowed()).isFalse();
    assertThat(clockPastUnlock.reason()).isEqualTo(Reason.LOCKED);
    assertThat(at(lock, T0 + 1_000, T0).allowed()).isTrue();
  }

  @Test
  void withoutAClock_theLedgerTimeDecidesAlone() {
    AllowList list = listWith(new Window(T0, T0 + 1_000));

    assertThat(PolicyEvaluator.evaluate(id, list, bob, T0 + 999, HEIGHT).allowed()).isTrue();
    assertThat(PolicyEvaluator.evaluate(id, list, bob, T0 + 1_000, HEIGHT).reason()).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void window_contains_followsTheSameRules() {
    Window w = new Window(T0 + 100, T0 + 1_000);

    assertThat(w.contains(T0 + 99, T0 + 500)).isFalse();
    assertThat(w.contains(T0 + 500, T0 + 1_000)).isFalse();
    assertThat(w.contains(T0 + 500, T0 + 999)).isTrue();
    assertThat(w.contains(T0 + 999)).isTrue();
    assertThat(w.contains(T0 + 1_000)).isFalse();
  }
}
