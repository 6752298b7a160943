package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cachet.cli.TestIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The blob commands on a devnet whose chain is anvil: certification is cross-checked against the
 * {@code BlobRegistry} contract, and an extend raises the end epoch the registry records.
 * Its time goes to anvil's blocks, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("BlobCommandsEvmCliTest")
class BlobCommandsEvmCliTest {
  @TempDir static Path home;
  static CliHarness cli;

  @BeforeAll
  static void start() throws Exception {
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    cli = new CliHarness(home, pass);
    TestIdentities.evm(home, "alice", pass); // the first identity: the default
    cli.ok("devnet", "up", "--chain", "evm");
  }

  @AfterAll
  static void stop() {
    cli.cachet("devnet", "down");
  }

  @Test
  void lsInfoExtend_onAnEvmChain_readTheBlobRegistrysRecord() throws Exception {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    cli.okAs("alice", "policy", "grant", policy, "alice");
    Path f = home.resolve("letter.txt");
    Files.writeString(f, "kept on a chain's record\n");
    String blob = cli.okAs("alice", "put", f.toString(), "--policy", policy, "--epochs", "2", "--no-progress")
        .out().strip();

    String line = cli.ok("ls").out().lines().filter(l -> l.endsWith(blob)).findFirst().orElseThrow();
    assertThat(line).startsWith("letter.txt").contains("25 bytes").contains("certified until ");
    JsonNode before = cli.ok("info", blob, "--json").json();
    assertThat(before.get("header").get("ledgerId").asText()).startsWith("eip155:31337:");
    assertThat(before.get("certification").get("state").asText()).isEqualTo("recorded");
    long end = before.get("certification").get("endEpoch").asLong();

    JsonNode extended = cli.ok("extend", blob, "--epochs", "2", "--json").json();
    assertThat(extended.get("endEpoch").asLong()).isEqualTo(end + 2);
    assertThat(extended.get("certification").get("endEpoch").asLong()).isEqualTo(end + 2);
    JsonNode listed = cli.ok("ls", "--json").json();
    JsonNode mine = null;
    for (JsonNode e : listed) {
      if (e.get("blobId").asText().equals(blob)) {
        mine = e;
      }
    }
    assertThat(mine).isNotNull();
    assertThat(mine.get("certification").get("endEpoch").asLong()).isEqualTo(end + 2);
    assertThat(mine.get("endEpoch").asLong()).isEqualTo(end + 2);
  }
}
