package io.cachet.bench.chaos.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryWatchTest {
  private static final long MIB = 1L << 20;

  @Test
  void bounded_heapGrowingThenFlat_holds() {
    List<Long> bytes = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      bytes.add(Math.min(120 + 10L * i, 250) * MIB);
    }
    assertThat(new MemoryWatch.Series("gateway", 1, bytes).bounded()).isTrue();
  }

  @Test
  void bounded_steadyGrowth_broken() {
    List<Long> bytes = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      bytes.add((100 + 20L * i) * MIB);
    }
    MemoryWatch.Series s = new MemoryWatch.Series("node-1", 1, bytes);
    assertThat(s.bounded()).isFalse();
    assertThat(s.peakOf(0)).isEqualTo(280 * MIB);
    assertThat(s.peakOf(2)).isEqualTo(680 * MIB);
  }

  @Test
  void bounded_seriesTooShortToJudge_holds() {
    List<Long> bytes = new ArrayList<>();
    for (int i = 0; i < MemoryWatch.MIN_SAMPLES - 1; i++) {
      bytes.add((1L << i) * MIB);
    }
    assertThat(new MemoryWatch.Series("ks-1", 1, bytes).bounded()).isTrue();
  }
}
