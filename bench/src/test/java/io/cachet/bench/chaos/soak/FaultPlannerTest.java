package io.cachet.bench.chaos.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
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
    FaultPlanner planner = planner(5);
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
  void next_lateWithNoRoundBeyond_goesBeyond() {
    SoakProfile never = new SoakProfile("t", SoakProfile.SHORT.load(), 1, SoakProfile.MIN_PUT, 0, 0,
        SoakProfile.SHORT.faultGap(), SoakProfile.SHORT.faultHold(), 0, "256m", SoakProfile.SHORT.smallDisk(),
        SoakProfile.SHORT.diskKind(), SoakProfile.SHORT.memorySample(), true);
    FaultPlanner planner = new FaultPlanner(1, never, KEY_SERVERS, NODES, "node-3");
    assertThat(planner.next(false).beyond()).isFalse();
    assertThat(planner.next(true).beyond()).isTrue();
    assertThat(planner.next(true).beyond()).as("one is enough").isFalse();
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
