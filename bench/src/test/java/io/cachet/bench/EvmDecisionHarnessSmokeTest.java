package io.cachet.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Runs every figure of {@link EvmDecisionHarness} for a few iterations against a real anvil, so the
 * harness keeps working as the code under it changes. It asserts no figure: a run that completes
 * (every granted reader released, every revoked reader refused at every key server) passes.
 * Its time goes to anvil's blocks, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("EvmDecisionHarnessSmokeTest")
class EvmDecisionHarnessSmokeTest {
  @Test
  void everyFigure_runsToTheEnd_atSmokeScale() throws Exception {
    EvmDecisionHarness.run("all", EvmDecisionHarness.Scale.SMOKE);
  }
}
