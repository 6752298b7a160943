package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.Address;
import io.cachet.crypto.EvmIdentity;
import io.cachet.policy.evm.Anvil;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.web3j.crypto.Credentials;

/**
 * {@code cachet devnet up --chain evm} as a person runs it: a background devnet on anvil, the
 * put / get / grant / revoke / token-gate story and the blob commands ({@code ls}, {@code info},
 * {@code extend}) through the commands, and {@code devnet down} leaving no anvil behind. Its time
 * goes to 1 s blocks and to a daemon's start, so it runs beside the other classes; its two tests run
 * one after the other. Each devnet on anvil costs a daemon's and a chain's start, so whatever needs
 * one joins the first test's rather than starting its own.
 */
@Execution(ExecutionMode.CONCURRENT)
class EvmDevnetCliTest {
  /** Key servers see a change from the block after it; 1 s blocks and 1 s polling, with room for a loaded machine. */
  private static final long CHANGE_SEEN_WITHIN_MS = 20_000;

  @TempDir Path home;

  private record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return new ObjectMapper().readTree(out);
    }
  }

  private Run cachet(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--home", home.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private Run ok(String... args) {
    Run r = cachet(args);
    assertThat(r.exit()).as("cachet %s: %s %s", String.join(" ", args), r.err(), r.out()).isEqualTo(ExitCodes.OK);
    return r;
  }

  private Run as(String who, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--as", who, "--passphrase-file", home.resolve("pass.txt").toString()));
    return cachet(all.toArray(String[]::new));
  }

  private Run okAs(String who, String... args) {
    Run r = as(who, args);
    assertThat(r.exit()).as("cachet %s as %s: %s", String.join(" ", args), who, r.err()).isEqualTo(ExitCodes.OK);
    return r;
  }

  private int get(String who, String blob) {
    return as(who, "get", blob, "-o", home.resolve(who + "-" + System.nanoTime()).toString()).exit();
  }

  /** Asks (each time a fresh command) until {@code who}'s get exits {@code exit}; the last exit code. */
  private int getUntil(String who, String blob, int exit) throws InterruptedException {
    long deadline = System.currentTimeMillis() + CHANGE_SEEN_WITHIN_MS;
    int got;
    while ((got = get(who, blob)) != exit && System.currentTimeMillis() < deadline) {
      Thread.sleep(250);
    }
    return got;
  }

  private Address address(String who) throws Exception {
    return Address.parse(ok("id", "show", who, "--json").json().get("address").asText());
  }

  @Test
  @Execution(ExecutionMode.SAME_THREAD)
  void devnetUpEvm_putGetGrantRevokeTokenGate_throughTheCommands_andDownLeavesNoAnvil() throws Exception {
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    for (String who : List.of("alice", "bob", "carol")) {
      TestIdentities.evm(home, who, pass);
    }
    Run up = ok("devnet", "up", "--chain", "evm");
    Path dir = home.resolve("devnet");
    long daemonPid = -1;
    long anvilPid = -1;
    try {
      assertThat(up.out()).contains("anvil").contains("public test keys").contains("funded 'alice'");
      JsonNode state = new ObjectMapper().readTree(dir.resolve("devnet.json").toFile());
      anvilPid = state.get("anvilPid").asLong();
      daemonPid = new ObjectMapper().readTree(dir.resolve("daemon.json").toFile()).get("pid").asLong();
      assertThat(ProcessHandle.of(anvilPid).map(ProcessHandle::isAlive)).hasValue(true);
      JsonNode descriptor = new ObjectMapper().readTree(dir.resolve("cachet-network.json").toFile());
      assertThat(descriptor.get("chain").get("kind").asText()).isEqualTo("evm");
      assertThat(descriptor.get("chain").get("policies").asText()).isEqualTo(state.get("evm").get("policies").asText());
      assertThat(ok("id", "list").out()).contains("devnet-evm");

      Path report = home.resolve("report.txt");
      Files.writeString(report, "for bob, until he is revoked\n".repeat(1000));
      String policy = okAs("alice", "policy", "create").out().strip();
      okAs("alice", "policy", "grant", policy, "bob");
      String blob = okAs("alice", "put", report.toString(), "--policy", policy, "--json").json().get("blobId").asText();
      assertThat(getUntil("bob", blob, ExitCodes.OK)).isEqualTo(ExitCodes.OK);
      Path opened = home.resolve("bob-opened");
      okAs("bob", "get", blob, "-o", opened.toString());
      assertThat(Files.readString(opened)).isEqualTo(Files.readString(report));
      assertThat(get("carol", blob)).isEqualTo(ExitCodes.REFUSED);
      // an Ed25519 identity cannot act on an EVM chain: one line, exit 2
      ok("id", "new", "dora", "--passphrase-file", pass.toString());
      Run wrongKind = as("dora", "policy", "create");
      assertThat(wrongKind.exit()).isEqualTo(ExitCodes.USAGE);
      assertThat(wrongKind.err()).contains("cachet id new NAME --evm");

      okAs("alice", "policy", "revoke", policy, "bob");
      assertThat(getUntil("bob", blob, ExitCodes.REFUSED)).isEqualTo(ExitCodes.REFUSED);

      policiesByNameAndRole(policy);
      blobCommandsReadTheBlobRegistry(policy);

      // token gate: whoever holds the NFT opens; the NFT moved away, they cannot
      URI rpc = URI.create(descriptor.get("chain").get("rpcUrl").asText());
      Credentials minter = Credentials.create(Anvil.DEV_KEYS.get(3));
      try (DemoNft nft = DemoNft.deploy(rpc, Anvil.DEFAULT_CHAIN_ID, minter)) {
        String gate = okAs("alice", "policy", "token-gate", "--erc721", nft.address().toString()).out().strip();
        Path secret = home.resolve("members.txt");
        Files.writeString(secret, "for holders of the NFT\n");
        String gated = okAs("alice", "put", secret.toString(), "--policy", gate, "--json").json().get("blobId")
            .asText();
        assertThat(get("carol", gated)).isEqualTo(ExitCodes.REFUSED);
        nft.mint(minter, address("carol"), 7);
        assertThat(getUntil("carol", gated, ExitCodes.OK)).isEqualTo(ExitCodes.OK);
        Credentials carol = credentials("carol");
        nft.transfer(carol, address("bob"), 7);
        assertThat(getUntil("carol", gated, ExitCodes.REFUSED)).isEqualTo(ExitCodes.REFUSED);
        assertThat(getUntil("bob", gated, ExitCodes.OK)).isEqualTo(ExitCodes.OK);
      }

      Run status = ok("devnet", "status");
      assertThat(status.out()).contains("anvil").contains("policies on anvil").contains("ks-3");
    } finally {
      Run down = cachet("devnet", "down");
      assertThat(down.exit()).as(down.err()).isEqualTo(ExitCodes.OK);
    }
    long anvil = anvilPid;
    assertThat(ProcessHandle.of(daemonPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(ProcessHandle.of(anvil).map(ProcessHandle::isAlive).orElse(false)).as("anvil %d after down", anvil)
        .isFalse();
    // the chain's state was written on the way down: 'up' again is the same chain
    assertThat(dir.resolve("anvil").resolve("state.json")).exists();
  }

  /**
   * On the EVM chain: a contact's name in a grant, admin add / remove and transfer, {@code policy
   * list} finding owner and admin roles from the contract's events and dropping what changed since,
   * {@code policy show} with names and states, and {@code status} of the chain's parts.
   */
  private void policiesByNameAndRole(String policy) throws Exception {
    String dan = Credentials.create(Anvil.DEV_KEYS.get(4)).getAddress();
    ok("contact", "add", "dan", dan);
    okAs("alice", "policy", "grant", policy, "dan");
    okAs("alice", "policy", "admin", "add", policy, "bob");
    JsonNode bobs = ok("policy", "list", "--as", "bob", "--json").json().get("policies");
    assertThat(bobs).anySatisfy(p -> {
      assertThat(p.get("id").asText()).isEqualTo(policy);
      assertThat(p.get("role").asText()).isEqualTo("admin");
      assertThat(p.get("ownerName").asText()).isEqualTo("alice");
    });
    assertThat(ok("policy", "list").out()).containsPattern("allow-list\\s+owner\\s+alice")
        .containsPattern("allow-list\\s+admin\\s+bob");
    JsonNode shown = ok("policy", "show", policy, "--json").json();
    assertThat(shown.get("members")).anySatisfy(m -> {
      assertThat(m.get("name").asText()).isEqualTo("dan (contact)");
      assertThat(m.get("state").asText()).isEqualTo("active");
    });
    assertThat(ok("policy", "show", policy).out()).contains("owner   alice").contains("admin   bob")
        .containsPattern("dan \\(contact\\)\\s+active");

    okAs("alice", "policy", "admin", "remove", policy, "bob");
    assertThat(ok("policy", "list", "--as", "bob", "--json").json().get("policies"))
        .as("an admin removed since is confirmed away").noneSatisfy(p -> assertThat(p.get("id").asText())
            .isEqualTo(policy));
    okAs("alice", "policy", "transfer", policy, "carol");
    assertThat(ok("policy", "list", "--as", "carol", "--json").json().get("policies")).anySatisfy(p -> {
      assertThat(p.get("id").asText()).isEqualTo(policy);
      assertThat(p.get("role").asText()).isEqualTo("owner");
    });
    assertThat(ok("policy", "list", "--as", "alice", "--json").json().get("policies"))
        .noneSatisfy(p -> assertThat(p.get("id").asText()).isEqualTo(policy));
    // the new owner hands it back, so the story goes on as alice's
    okAs("carol", "policy", "transfer", policy, "alice");

    Run status = cachet("status", "--json");
    assertThat(status.exit()).as(status.out() + status.err()).isEqualTo(ExitCodes.OK);
    assertThat(status.json().get("chain").asText()).isEqualTo("evm");
    assertThat(status.json().get("parts").get(0).get("name").asText()).isEqualTo("evm-rpc");
    assertThat(status.json().get("height").asLong()).isPositive();
  }

  /**
   * The blob commands on the anvil chain: certification is cross-checked against the
   * {@code BlobRegistry} contract, and an extend raises the end epoch the registry records.
   */
  private void blobCommandsReadTheBlobRegistry(String policy) throws Exception {
    okAs("alice", "policy", "grant", policy, "alice");
    Path f = home.resolve("letter.txt");
    Files.writeString(f, "kept on a chain's record\n");
    String blob = okAs("alice", "put", f.toString(), "--policy", policy, "--epochs", "2", "--no-progress")
        .out().strip();

    String line = ok("ls").out().lines().filter(l -> l.endsWith(blob)).findFirst().orElseThrow();
    assertThat(line).startsWith("letter.txt").contains("25 bytes").contains("certified until ");
    JsonNode before = ok("info", blob, "--json").json();
    assertThat(before.get("header").get("ledgerId").asText()).startsWith("eip155:31337:");
    assertThat(before.get("certification").get("state").asText()).isEqualTo("recorded");
    long end = before.get("certification").get("endEpoch").asLong();

    JsonNode extended = ok("extend", blob, "--epochs", "2", "--json").json();
    assertThat(extended.get("endEpoch").asLong()).isEqualTo(end + 2);
    assertThat(extended.get("certification").get("endEpoch").asLong()).isEqualTo(end + 2);
    JsonNode mine = null;
    for (JsonNode e : ok("ls", "--json").json()) {
      if (e.get("blobId").asText().equals(blob)) {
        mine = e;
      }
    }
    assertThat(mine).isNotNull();
    assertThat(mine.get("certification").get("endEpoch").asLong()).isEqualTo(end + 2);
    assertThat(mine.get("endEpoch").asLong()).isEqualTo(end + 2);
  }

  /** A daemon killed outright leaves its anvil running; 'down' stops it by the PID devnet.json recorded. */
  @Test
  @Execution(ExecutionMode.SAME_THREAD)
  void down_afterTheDaemonWasKilled_stopsTheAnvilItLeft_andUpNamingTheOtherChainIsRefused() throws Exception {
    ok("devnet", "up", "--chain", "evm", "--json");
    Path dir = home.resolve("devnet");
    long anvilPid = new ObjectMapper().readTree(dir.resolve("devnet.json").toFile()).get("anvilPid").asLong();
    ProcessHandle daemon = ProcessHandle.of(new ObjectMapper().readTree(dir.resolve("daemon.json").toFile())
        .get("pid").asLong()).orElseThrow();
    daemon.destroyForcibly();
    daemon.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(ProcessHandle.of(anvilPid).map(ProcessHandle::isAlive)).as("anvil outlives a killed daemon")
        .hasValue(true);

    Run down = ok("devnet", "down");
    assertThat(down.out()).contains("no devnet is running");
    assertThat(ProcessHandle.of(anvilPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

    Run other = cachet("devnet", "up", "--chain", "embedded");
    assertThat(other.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(other.err()).contains("keeps its policies on the evm chain");
  }

  private Credentials credentials(String who) throws Exception {
    char[] pass = Files.readString(home.resolve("pass.txt"), StandardCharsets.UTF_8).strip().toCharArray();
    EvmIdentity id = (EvmIdentity) new IdentityStore(home.resolve("ids")).openRequester(who, pass);
    try {
      return id.credentials();
    } finally {
      id.destroy();
    }
  }
}
