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
 * {@code cachet policy check} typed against one devnet of real servers on the embedded ledger: the
 * answer a key server would give, with its reason, exit 0 when allowed and 1 when not, and no
 * passphrase asked (the runs give none).
 */
class PolicyCheckCliTest {
  /** Far enough from now that a block's time a few seconds behind this clock never changes an answer. */
  private static final Duration MARGIN = Duration.ofHours(1);

  @TempDir static Path home;
  static Devnet devnet;
  static CliHarness cli;
  static Address bob;
  static String policy;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    cli = new CliHarness(home, pass);
    TestIdentities.ed25519(home, "alice", pass);
    bob = TestIdentities.ed25519(home, "bob", pass);
    TestIdentities.ed25519(home, "carol", pass);
    TestIdentities.ed25519(home, "dave", pass);
    policy = cli.okAs("alice", "policy", "create").out().strip();
    Instant now = Instant.now();
    cli.okAs("alice", "policy", "grant", policy, "bob", "--until", now.plus(MARGIN).toString());
    cli.okAs("alice", "policy", "grant", policy, "carol", "--from", now.minus(MARGIN.multipliedBy(2)).toString(),
        "--until", now.minus(MARGIN).toString(), "--allow-ended");
    cli.okAs("alice", "policy", "grant", policy, "dave", "--from", now.plus(MARGIN).toString());
  }

  @AfterAll
  static void stop() {
    devnet.close();
  }

  @Test
  void check_aMemberInsideTheirWindow_isAllowed_exit0() {
    CliHarness.Run r = cli.cachet("policy", "check", policy, "bob");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).startsWith("allowed: ").contains("height");
  }

  @Test
  void check_json_givesAllowedReasonLedgerTimeAndHeight() throws Exception {
    JsonNode doc = cli.ok("policy", "check", policy, bob.toString(), "--json").json();
    assertThat(doc.get("allowed").asBoolean()).isTrue();
    assertThat(doc.get("reason").asText()).isEqualTo("ALLOWED");
    assertThat(doc.get("who").asText()).isEqualTo(bob.toString());
    assertThat(doc.get("name").asText()).isEqualTo("bob");
    assertThat(doc.get("height").asLong()).isPositive();
    assertThat(Instant.parse(doc.get("ledgerTime").asText())).isBefore(Instant.now().plus(MARGIN));
  }

  @Test
  void check_someoneNotOnTheList_isNotAMember_exit1() throws Exception {
    CliHarness.Run r = cli.cachet("policy", "check", policy, "alice", "--json");
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(r.json().get("allowed").asBoolean()).isFalse();
    assertThat(r.json().get("reason").asText()).isEqualTo("NOT_A_MEMBER");
    CliHarness.Run text = cli.cachet("policy", "check", policy, "alice");
    assertThat(text.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(text.out()).startsWith("not allowed (NOT_A_MEMBER): ");
  }

  @Test
  void check_aWindowThatEnded_isExpired_andOneNotYetOpen_isNotYetValid() throws Exception {
    CliHarness.Run expired = cli.cachet("policy", "check", policy, "carol", "--json");
    assertThat(expired.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(expired.json().get("reason").asText()).isEqualTo("EXPIRED");
    CliHarness.Run notYet = cli.cachet("policy", "check", policy, "dave", "--json");
    assertThat(notYet.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(notYet.json().get("reason").asText()).isEqualTo("NOT_YET_VALID");
  }

  @Test
  void check_aClosedTimeLock_isLocked_andAnOpenOne_allowsAnyone() throws Exception {
    String closed = cli.okAs("alice", "policy", "timelock", "--in", "1h").out().strip();
    assertThat(cli.cachet("policy", "check", closed, "bob", "--json").json().get("reason").asText())
        .isEqualTo("LOCKED");
    String open = cli.okAs("alice", "policy", "timelock", "--at", Instant.now().minus(MARGIN).toString()).out().strip();
    assertThat(cli.ok("policy", "check", open, "carol", "--json").json().get("reason").asText())
        .isEqualTo("ALLOWED");
  }

  @Test
  void check_anUnknownPolicy_isUnknownPolicy_exit1_andAMalformedIdExit2() throws Exception {
    CliHarness.Run unknown = cli.cachet("policy", "check", "0x" + "ab".repeat(32), "bob", "--json");
    assertThat(unknown.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(unknown.json().get("reason").asText()).isEqualTo("UNKNOWN_POLICY");
    assertThat(cli.cachet("policy", "check", "0x12", "bob").exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(cli.cachet("policy", "check", policy, "nobody-by-that-name").exit()).isEqualTo(ExitCodes.USAGE);
  }
}
