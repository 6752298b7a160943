package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy commands that go through the chain seam, against an embedded devnet of real servers:
 * admins and ownership work there; token gates, composites and {@code put --contract} need an EVM
 * chain and say so in one line, exit 2, before asking for a passphrase.
 */
class PolicyChainCliTest {
  static final String TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  static final String CONTRACT = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";

  @TempDir static Path home;
  static Devnet devnet;
  static CliHarness cli;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    cli = new CliHarness(home, pass);
    for (String who : List.of("alice", "bob", "carol")) {
      TestIdentities.ed25519(home, who, pass);
    }
  }

  @AfterAll
  static void stop() {
    devnet.close();
  }

  static String address(String who) throws Exception {
    return cli.ok("id", "show", who, "--json").json().get("address").asText();
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  // ---------------------------------------------------------------- on either chain

  @Test
  void adminAdd_letsTheAdminGrant_andAdminRemove_takesItBack() throws Exception {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    CliHarness.Run added = cli.okAs("alice", "policy", "admin", "add", policy, "carol");
    assertThat(added.out()).startsWith("added admin carol (" + address("carol") + ") on " + policy);
    cli.okAs("carol", "policy", "grant", policy, "bob");
    JsonNode shown = cli.okAs("alice", "policy", "show", policy, "--json").json();
    assertThat(texts(shown.get("admins"))).containsExactly(address("carol"));
    assertThat(shown.get("members").get(0).get("address").asText()).isEqualTo(address("bob"));

    JsonNode removed = cli.okAs("alice", "policy", "admin", "remove", policy, "carol", "--json").json();
    assertThat(removed.get("admins")).isEmpty();
    CliHarness.Run refused = cli.as("carol", "policy", "revoke", policy, "bob");
    assertThat(refused.exit()).as(refused.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(refused.err()).contains("NOT_AUTHORIZED");
  }

  @Test
  void transfer_makesTheNewOwnerTheOwner_andTheOldOneIsRefused() throws Exception {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    CliHarness.Run moved = cli.okAs("alice", "policy", "transfer", policy, "bob", "--json");
    assertThat(moved.json().get("owner").asText()).isEqualTo(address("bob"));
    assertThat(cli.okAs("bob", "policy", "show", policy).out()).contains("owner   bob  " + address("bob"));
    CliHarness.Run refused = cli.as("alice", "policy", "admin", "add", policy, "carol");
    assertThat(refused.exit()).as(refused.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(refused.err()).contains("NOT_AUTHORIZED");
  }

  // ---------------------------------------------------------------- EVM only

  /** A refusal a person can act on: exit 2, one line, the way to an EVM chain; no passphrase asked (none given). */
  static void needsEvm(String what, String... args) {
    CliHarness.Run r = cli.cachet(args);
    assertThat(r.exit()).as("%s: %s", String.join(" ", args), r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err().strip()).doesNotContain("\n").contains(what).contains("EVM chain")
        .contains("cachet devnet up --chain evm");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void tokenGate_onTheEmbeddedLedger_exitsUsage_sayingItNeedsAnEvmChain() {
    needsEvm("token gates", "policy", "token-gate", "--erc721", TOKEN);
    needsEvm("token gates", "policy", "token-gate", "--erc20", TOKEN, "--min", "100");
  }

  @Test
  void allOfAndAnyOf_onTheEmbeddedLedger_exitUsage_sayingTheyNeedAnEvmChain() {
    String id = "0x" + "ab".repeat(32);
    needsEvm("all-of and any-of", "policy", "all-of", id, CONTRACT + "/" + id);
    needsEvm("all-of and any-of", "policy", "any-of", id, id);
  }

  @Test
  void putUnderAContract_onTheEmbeddedLedger_exitsUsage_beforeAnythingIsSealed() throws Exception {
    Path file = Files.writeString(home.resolve("for-a-contract.txt"), "not sealed");
    needsEvm("--contract", "put", file.toString(), "--contract", CONTRACT, "--policy", "0x" + "ab".repeat(32));
  }

  @Test
  void tokenGate_withBadArguments_exitsUsage_namingTheOption() {
    CliHarness.Run noMin = cli.cachet("policy", "token-gate", "--erc20", TOKEN);
    assertThat(noMin.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(noMin.err()).contains("--erc20 needs --min");
    CliHarness.Run notEvm = cli.cachet("policy", "token-gate", "--erc721", "0x" + "ab".repeat(32));
    assertThat(notEvm.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(notEvm.err()).contains("--erc721").contains("not an EVM address");
    CliHarness.Run both = cli.cachet("policy", "token-gate", "--erc721", TOKEN, "--erc20", TOKEN);
    assertThat(both.exit()).isEqualTo(ExitCodes.USAGE);
    CliHarness.Run zero = cli.cachet("policy", "token-gate", "--erc721", TOKEN, "--min", "0");
    assertThat(zero.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(zero.err()).contains("--min must be at least 1");
  }

  @Test
  void putUnderAContract_thatIsNotAnEvmAddress_exitsUsage() throws Exception {
    Path file = Files.writeString(home.resolve("bad-contract.txt"), "not sealed");
    CliHarness.Run r = cli.cachet("put", file.toString(), "--contract", "0x1234", "--policy", "0x" + "ab".repeat(32));
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--contract").contains("not an EVM address");
  }
}
