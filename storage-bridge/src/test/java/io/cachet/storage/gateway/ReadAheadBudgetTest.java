package io.cachet.storage.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

class ReadAheadBudgetTest {
  @Test
  void acquire_beyondTheBudget_waitsUntilReleased() {
    ReadAheadBudget budget = new ReadAheadBudget(100);
    assertThat(budget.acquire(60).succeeded()).isTrue();
    Future<Void> second = budget.acquire(60);
    assertThat(second.isComplete()).isFalse();
    assertThat(budget.inUse()).isEqualTo(60);
    budget.release(60);
    assertThat(second.succeeded()).isTrue();
    assertThat(budget.inUse()).isEqualTo(60);
  }

  @Test
  void acquire_whileOthersWait_queuesBehindThem() {
    ReadAheadBudget budget = new ReadAheadBudget(100);
    budget.acquire(90);
    Future<Void> big = budget.acquire(50);
    Future<Void> small = budget.acquire(5);
    assertThat(small.isComplete()).as("first come, first served: no overtaking").isFalse();
    budget.release(90);
    assertThat(big.succeeded()).isTrue();
    assertThat(small.succeeded()).isTrue();
    assertThat(budget.inUse()).isEqualTo(55);
  }

  @Test
  void acquire_largerThanTheWholeBudget_isGrantedAloneOnceAllIsFree() {
    ReadAheadBudget budget = new ReadAheadBudget(100);
    budget.acquire(10);
    Future<Void> huge = budget.acquire(1_000);
    assertThat(huge.isComplete()).isFalse();
    budget.release(10);
    assertThat(huge.succeeded()).isTrue();
    assertThat(budget.inUse()).isEqualTo(100);
    budget.release(1_000);
    assertThat(budget.inUse()).isZero();
  }

  @Test
  void release_moreThanDrawn_isAnError() {
    ReadAheadBudget budget = new ReadAheadBudget(100);
    assertThatThrownBy(() -> budget.release(1)).isInstanceOf(IllegalStateException.class);
  }
}
