package io.cachet.cli.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The part processes a killed daemon left: those whose command line still names their recorded
 * configuration file are stopped; a pid now held by another program is left alone.
 */
class OrphanPartsTest {
  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    started.forEach(Process::destroyForcibly);
  }

  /** A process whose command line names {@code --config FILE}, as a part's does ({@code sh} stays, no exec). */
  private Process partLike(String config) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "while :; do sleep 1; done", "part", "--config", config)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    started.add(p);
    return p;
  }

  @Test
  void stop_recordedPartStillNamingItsConfig_stopped_aReusedPidLeftAlone() throws Exception {
    Path ks1 = dir.resolve("processes/ks-1/ks.conf");
    Path ks2 = dir.resolve("processes/ks-2/ks.conf");
    Process orphan = partLike(ks1.toString());
    Process stranger = partLike(dir.resolve("someone-else.conf").toString());
    awaitNamed(orphan, ks1.toString());
    Files.writeString(dir.resolve("devnet.json"), "{\"mode\":\"processes\",\"parts\":{"
        + "\"ks-1\":{\"pid\":" + orphan.pid() + ",\"config\":\"" + ks1 + "\"},"
        + "\"ks-2\":{\"pid\":" + stranger.pid() + ",\"config\":\"" + ks2 + "\"},"
        + "\"ks-3\":{\"pid\":" + Integer.MAX_VALUE + ",\"config\":\"" + ks2 + "\"}}}");

    assertThat(OrphanParts.stop(dir)).containsExactly("ks-1");
    assertThat(orphan.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(stranger.isAlive()).as("a pid reused by another program").isTrue();
  }

  @Test
  void namesArgument_readsBeyondTheFirstPage() throws Exception {
    String longArgument = "x".repeat(10_000);
    Process p = new ProcessBuilder("sh", "-c", "while :; do sleep 1; done", longArgument, "--config", "/the/ks.conf")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    started.add(p);
    awaitNamed(p, "/the/ks.conf");
    assertThat(OrphanParts.namesArgument(p.toHandle(), "/the/ks.conf")).isTrue();
    assertThat(OrphanParts.namesArgument(p.toHandle(), "/the/ks")).isFalse();
  }

  /** Waits until the new process has exec'd its command (its command line is the JVM's a moment before). */
  private static void awaitNamed(Process p, String argument) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!OrphanParts.namesArgument(p.toHandle(), argument) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  @Test
  void stop_noDevnetJson_nothing() throws Exception {
    assertThat(OrphanParts.stop(dir)).isEmpty();
  }
}
