package io.cachet.bench;

import org.junit.jupiter.api.Test;

/**
 * Runs every figure of {@link EvmDecisionHarness} for a few iterations against a real anvil, so the
 * harness keeps working as the code under it changes. It asserts no figure: a run that completes
 * (every granted reader released, every revoked reader refused at every key server) passes.
 */
class EvmDecisionHarnessSmokeTest {
  @Test
  void everyFigure_runsToTheEnd_atSmokeScale() throws Exception {
    EvmDecisionHarness.run("all", EvmDecisionHarness.Scale.SMOKE);
  }
}
