package io.cachet.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeenIdsTest {
  @Test
  void remember_sameIdWithinItsWindow_isReplayed_andAfterItFresh() {
    SeenIds seen = new SeenIds(10);
    assertThat(seen.remember("a", 100, 0)).isEqualTo(SeenIds.Result.FRESH);
    assertThat(seen.remember("a", 200, 50)).isEqualTo(SeenIds.Result.REPLAYED);
    assertThat(seen.remember("a", 300, 101)).isEqualTo(SeenIds.Result.FRESH);
  }

  @Test
  void remember_atCapacity_sweepsExpired_elseRefusesWithoutForgetting() {
    SeenIds seen = new SeenIds(2);
    seen.remember("a", 100, 0);
    seen.remember("b", 1000, 0);
    assertThat(seen.remember("c", 1000, 50)).isEqualTo(SeenIds.Result.FULL);
    assertThat(seen.remember("c", 1000, 150)).isEqualTo(SeenIds.Result.FRESH);
    assertThat(seen.size()).isEqualTo(2);
  }
}
