package io.cachet.bench.chaos.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cachet.bench.chaos.SmallDisk;
import io.cachet.bench.chaos.check.CheckReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The CI soak: the short profile (every fault kind once and a round beyond tolerance, under load)
 * against a whole network of processes, then the independent checker. Zero invariant violations,
 * recovery within its bound, every fault kind injected, and every round beyond tolerance failing
 * cleanly. The seed is fixed, so CI replays the same choices; the report is printed, and is the
 * assertion's message when one fails. Skipped only on a machine that cannot mount a tmpfs (the
 * soak's small disk).
 * Its nine processes keep both cores busy, so it runs with nothing beside it.
 */
@Isolated
class ChaosSoakShortTest {
  /** The seed CI runs; any other replays with {@code --seed}. */
  private static final long SEED = 16;

  @TempDir
  Path tmp;

  @Test
  @Timeout(600)
  void shortSoak_noViolations_recovers() throws Exception {
    Optional<String> noDisk = SmallDisk.unavailable(SmallDisk.Kind.TMPFS);
    assumeTrue(noDisk.isEmpty(), () -> "the soak puts a node on a tmpfs: " + noDisk.orElse(""));
    Path report = tmp.resolve("report.md");
    SoakResult r = ChaosSoak.run(new SoakOptions(SoakProfile.SHORT, SEED, tmp.resolve("run"), report));
    String markdown = Files.readString(report);
    System.out.println(markdown);
    assertThat(r.failures()).as(markdown).isEmpty();
    assertThat(r.check()).as(markdown).isNotNull();
    assertThat(r.check().ok()).as(markdown).isTrue();
    assertThat(r.violations()).isZero();
    assertThat(r.finalRecovery()).isLessThanOrEqualTo(SoakResult.FINAL_RECOVERY_BOUND);
    assertThat(r.injected()).as("every fault kind was injected").containsKeys(
        Arrays.stream(FaultRound.Kind.values()).map(Enum::name).toArray(String[]::new));
    assertThat(r.cleanFailures()).as("a round went beyond tolerance").isNotEmpty();
    assertThat(r.check().tally(CheckReport.Invariant.NO_BLOB_LOST).checked())
        .as("puts were checked").isPositive();
  }
}
