package io.cachet.cli.devnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a devnet of processes refuses, said before any part starts. */
class DevnetProcessesRefusalTest {
  @TempDir Path dir;

  @Test
  void upProcesses_withChainEvm_refusedAsNotSupportedYet() {
    CommandRun r = CommandRun.of("devnet", "up", "--processes", "--chain", "evm", "--dir", dir.resolve("d").toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--processes with --chain evm is not supported yet");
    assertThat(dir.resolve("d").resolve("daemon.json")).doesNotExist();
  }

  @Test
  void upProcesses_onADevnetMadeInOneJvm_refusedNamingTheFlag() throws Exception {
    Path d = Files.createDirectories(dir.resolve("d"));
    Files.writeString(d.resolve("devnet.json"), "{\"chain\":\"embedded\",\"ledger\":1}");
    CommandRun r = CommandRun.of("devnet", "up", "--processes", "--dir", d.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("runs every part in one JVM").contains("without --processes");
  }

  @Test
  void recordedMode_followsDevnetJson() throws Exception {
    assertThat(DevnetMode.recorded(dir)).isEmpty();
    Files.writeString(dir.resolve("devnet.json"), "{\"chain\":\"embedded\"}");
    assertThat(DevnetMode.recorded(dir)).contains(DevnetMode.IN_JVM);
    Files.writeString(dir.resolve("devnet.json"), "{\"chain\":\"embedded\",\"mode\":\"processes\"}");
    assertThat(DevnetMode.recorded(dir)).contains(DevnetMode.PROCESSES);
  }

  @Test
  void kill_onAnInJvmDevnet_refusedNamingProcesses() {
    assertThatThrownBy(() -> new InJvmParts(null).kill("ks-2")).isInstanceOf(DevnetException.class)
        .hasMessageContaining("devnet up --processes")
        .satisfies(e -> assertThat(((DevnetException) e).reason()).isEqualTo(DevnetException.NEEDS_PROCESSES));
  }

  @Test
  void stopKill_withNoDevnetRunning_refused() {
    CommandRun r = CommandRun.of("devnet", "stop", "ks-2", "--kill", "--dir", dir.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("no devnet is running");
  }
}
