package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import io.cachet.crypto.Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cachet policy check} on an EVM chain (a devnet on anvil): the stock contract's
 * {@code canRead} at the confirmed block, read through the key servers' own reader, with the same
 * answers and exit codes as on the embedded ledger.
 */
class PolicyCheckEvmCliTest {
  /** Far enough from now that a block's time a few seconds off this clock never changes an answer. */
  private static final Duration MARGIN = Duration.ofHours(1);

  @TempDir static Path home;
  static Devnet devnet;
  static CliHarness cli;
  static Address bob;
  static String policy;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"),
        Devnet.Options.defaults().withShardSize(64 * 1024).withEvm(true));
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    cli = new CliHarness(home, pass);
    Address alice = TestIdentities.evm(home, "alice", pass);
    devnet.fundEvm(alice);
    bob = TestIdentities.evm(home, "bob", pass);
    TestIdentities.evm(home, "carol", pass);
    policy = cli.okAs("alice", "policy", "create").out().strip();
    Instant now = Instant.now();
    cli.okAs("alice", "policy", "grant", policy, "bob", "--until", now.plus(MARGIN).toString());
    cli.okAs("alice", "policy", "grant", policy, "carol", "--from", now.minus(MARGIN.multipliedBy(2)).toString(),
        "--until", now.minus(MARGIN).toString(), "--allow-ended");
  }

  @AfterAll
  static void stop() {
    if (devnet != null) {
      devnet.close();
    }
  }

  @Test
  void check_onAnEvmChain_allowsAMember_exit0_withTheConfirmedBlock() throws Exception {
    CliHarness.Run r = cli.cachet("policy", "check", policy, "bob", "--json");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    JsonNode doc = r.json();
    assertThat(doc.get("allowed").asBoolean()).isTrue();
    assertThat(doc.get("reason").asText()).isEqualTo("ALLOWED");
    assertThat(doc.get("who").asText()).isEqualTo(bob.toString());
    assertThat(doc.get("height").asLong()).isPositive();
  }

  @Test
  void check_onAnEvmChain_givesNotAMemberAndExpired_exit1() throws Exception {
    CliHarness.Run stranger = cli.cachet("policy", "check", policy, "alice", "--json");
    assertThat(stranger.exit()).as(stranger.err()).isEqualTo(ExitCodes.FAILED);
    assertThat(stranger.json().get("reason").asText()).isEqualTo("NOT_A_MEMBER");
    CliHarness.Run ended = cli.cachet("policy", "check", policy, "carol", "--json");
    assertThat(ended.exit()).as(ended.err()).isEqualTo(ExitCodes.FAILED);
    assertThat(ended.json().get("reason").asText()).isEqualTo("EXPIRED");
  }
}
