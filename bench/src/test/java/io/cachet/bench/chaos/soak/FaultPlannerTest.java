package io.cachet.bench.chaos.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultPlannerTest {
  private static final List<String> KEY_SERVERS = List.of("ks-1", "ks-2", "ks-3");
  private static final List<String> NODES = List.of("node-0", "node-1", "node-2", "node-3");

  @Test
  void next_sameSeed_sameRounds() {
    assertThat(plan(99, 200)).isEqualTo(plan(99, 200));
    assertThat(plan(99, 200)).isNotEqualTo(plan(100, 200));
  }

  @Test
  void next_withinTolerance_onePartTheLedgerAndGatewayBriefly() {
    FaultPlanner planner = new FaultPlanner(5, beyondShare(0.2), KEY_SERVERS, NODES, "node-3");
    for (int i = 0; i < 2000; i++) {
      FaultRound r = planner.next(false);
      if (r.beyond()) {
        assertThat(r.targets()).hasSize(2).doesNotHaveDuplicates();
        assertThat(KEY_SERVERS.containsAll(r.targets()) || NODES.containsAll(r.targets())).isTrue();
        continue;
      }
      assertThat(r.targets()).hasSize(1);
      String t = r.targets().get(0);
      if (t.equals("ledger") || t.equals("gateway")) {
        assertThat(r.hold()).isLessThanOrEqualTo(FaultPlanner.BRIEF);
      }
      if (r.kind() == FaultRound.Kind.CLOCK_OFFSET) {
        assertThat(t).isNotEqualTo("ledger");
        assertThat(r.detail()).matches("clock-offset=-?\\d+s");
      }
      if (r.kind() == FaultRound.Kind.DISK_FULL) {
        assertThat(t).isEqualTo("node-3");
      }
    }
    assertThat(planner.beyondRounds()).isPositive();
    assertThat(planner.beyondRounds()).isLessThan(planner.rounds() / 2);
  }

  @Test
  void next_asManyRoundsAsKinds_everyKindOnce() {
    for (long seed = 0; seed < 20; seed++) {
      FaultPlanner planner = new FaultPlanner(seed, beyondShare(0), KEY_SERVERS, NODES, "node-3");
      Set<FaultRound.Kind> seen = EnumSet.noneOf(FaultRound.Kind.class);
      for (int i = 0; i < FaultRound.Kind.values().length; i++) {
        seen.add(planner.next(false).kind());
      }
      assertThat(seen).containsExactlyInAnyOrder(FaultRound.Kind.values());
    }
  }

  @Test
  void dealtEveryKind_onlyOnceEveryKindAndARoundBeyondWerePlayed() {
    FaultPlanner planner = new FaultPlanner(7, beyondShare(0), KEY_SERVERS, NODES, "node-3");
    for (int i = 0; i < FaultRound.Kind.values().length; i++) {
      assertThat(planner.dealtEveryKind()).isFalse();
      planner.next(false);
    }
    assertThat(planner.dealtEveryKind()).as("no round beyond tolerance yet").isFalse();
    assertThat(planner.next(true).beyond()).isTrue();
    assertThat(planner.dealtEveryKind()).isTrue();
  }

  @Test
  void next_roundsBeyond_keyServersAndNodesTakeTurns() {
    FaultPlanner planner = new FaultPlanner(3, beyondShare(1), KEY_SERVERS, NODES, "node-3");
    List<Boolean> keyServers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      keyServers.add(KEY_SERVERS.containsAll(planner.next(false).targets()));
    }
    for (int i = 1; i < keyServers.size(); i++) {
      assertThat(keyServers.get(i)).isNotEqualTo(keyServers.get(i - 1));
    }
  }

  @Test
  void next_lateWithNoRoundBeyond_goesBeyond() {
    FaultPlanner planner = new FaultPlanner(1, beyondShare(0), KEY_SERVERS, NODES, "node-3");
    assertThat(planner.next(false).beyond()).isFalse();
    assertThat(planner.next(true).beyond()).isTrue();
    assertThat(planner.next(true).beyond()).as("one is enough").isFalse();
  }

  private static SoakProfile beyondShare(double share) {
    SoakProfile p = SoakProfile.SHORT;
    return new SoakProfile("t", p.load(), 1, SoakProfile.MIN_PUT, 0, 0, p.faultGap(), p.faultHold(), share, "256m",
        p.smallDisk(), p.diskKind(), p.memorySample(), true, true);
  }

  private static FaultPlanner planner(long seed) {
    return new FaultPlanner(seed, SoakProfile.SHORT, KEY_SERVERS, NODES, "node-3");
  }

  private static List<String> plan(long seed, int rounds) {
    FaultPlanner planner = planner(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      out.add(planner.gap() + " " + planner.next(i > rounds / 2).describe());
    }
    return out;
  }
}
