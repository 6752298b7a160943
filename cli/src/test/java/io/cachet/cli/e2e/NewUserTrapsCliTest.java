package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traps a new user falls into, through the commands a person types against a devnet of real
 * servers: a put under a policy that does not exist, a put its owner cannot open, a grant that
 * ended already, and a share token that names another network than the reader's.
 */
class NewUserTrapsCliTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final SecureRandom RANDOM = new SecureRandom();

  @TempDir static Path home;
  static Devnet devnet;
  static CliHarness cli;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    cli = new CliHarness(home, pass);
    for (String who : List.of("alice", "bob")) {
      TestIdentities.ed25519(home, who, pass);
    }
  }

  @AfterAll
  static void stop() {
    devnet.close();
  }

  static Path file(String name, String text) throws Exception {
    Path f = home.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  static String randomPolicyId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return "0x" + HexFormat.of().formatHex(b);
  }

  // ---------------------------------------------------------------- put

  @Test
  void put_underAPolicyTheLedgerDoesNotHave_exitsUsage_withOneLineSayingWhatToDo() throws Exception {
    String nowhere = randomPolicyId();
    Path f = file("nowhere.txt", "nobody could ever open this");
    CliHarness.Run r = cli.as("alice", "put", f.toString(), "--policy", nowhere);
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.out()).as("no blob id printed").isEmpty();
    assertThat(r.err().strip().lines()).singleElement().satisfies(line -> assertThat(line)
        .startsWith("cachet: no policy " + nowhere).contains("nothing was sealed or stored")
        .contains("cachet policy create"));

    CliHarness.Run json = cli.as("alice", "put", f.toString(), "--policy", nowhere, "--json");
    assertThat(json.exit()).isEqualTo(ExitCodes.USAGE);
    JsonNode error = json.json().get("error");
    assertThat(error.get("exitCode").asInt()).isEqualTo(ExitCodes.USAGE);
    assertThat(error.get("status").asText()).isEqualTo("USAGE");
    assertThat(error.get("reason").asText()).isEqualTo("UNKNOWN_POLICY");
    assertThat(error.get("message").asText()).contains(nowhere);
    assertThat(error.get("hint").asText()).contains("cachet policy create");
  }

  @Test
  void put_byAnOwnerNotOnTheirOwnAllowList_warns_andStillStores_untilTheyGrantThemselves() throws Exception {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    Path f = file("for-others.txt", "sealed for others");
    CliHarness.Run put = cli.okAs("alice", "put", f.toString(), "--policy", policy);
    assertThat(put.out().strip()).hasSize(43);
    assertThat(put.err()).contains("cachet: warning: you cannot open what you seal now")
        .contains("cachet policy grant " + policy + " alice");

    CliHarness.Run json = cli.okAs("alice", "put", f.toString(), "--policy", policy, "--json");
    assertThat(json.json().get("warnings")).singleElement()
        .satisfies(w -> assertThat(w.get("reason").asText()).isEqualTo("NOT_A_MEMBER"));

    cli.okAs("alice", "policy", "grant", policy, "alice");
    CliHarness.Run after = cli.okAs("alice", "put", f.toString(), "--policy", policy, "--json");
    assertThat(after.json().get("warnings")).isEmpty();
    assertThat(after.err()).doesNotContain("warning");
  }

  @Test
  void put_underATimeLockNotYetOpen_warnsLocked() throws Exception {
    String lock = cli.okAs("alice", "policy", "timelock", "--in", "1d").out().strip();
    CliHarness.Run put = cli.okAs("alice", "put", file("later.txt", "tomorrow").toString(), "--policy", lock, "--json");
    assertThat(put.json().get("warnings")).singleElement()
        .satisfies(w -> assertThat(w.get("reason").asText()).isEqualTo("LOCKED"));
    assertThat(put.err()).contains("cachet: warning:").contains("time lock opens at");
  }

  // ---------------------------------------------------------------- grants

  @Test
  void grant_untilInThePast_isRefused_unlessAllowEnded() throws Exception {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    CliHarness.Run r = cli.as("alice", "policy", "grant", policy, "bob", "--until", "2020-01-01T00:00:00Z");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err().strip().lines()).singleElement().satisfies(line -> assertThat(line)
        .contains("2020-01-01T00:00:00Z").contains("ledger time").contains("--allow-ended"));
    assertThat(cli.okAs("alice", "policy", "show", policy, "--json").json().get("members")).isEmpty();

    CliHarness.Run json = cli.as("alice", "policy", "grant", policy, "bob", "--until", "2020-01-01T00:00:00Z", "--json");
    assertThat(json.json().get("error").get("reason").asText()).isEqualTo("WINDOW_ENDED");

    CliHarness.Run allowed = cli.okAs("alice", "policy", "grant", policy, "bob", "--until", "2020-01-01T00:00:00Z",
        "--allow-ended", "--json");
    assertThat(allowed.json().get("members")).singleElement()
        .satisfies(m -> assertThat(m.get("notAfter").asLong()).isEqualTo(1577836800000L));
  }

  @Test
  void grant_changingAMembersWindowToOneThatEnded_isRefused() throws Exception {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    cli.okAs("alice", "policy", "grant", policy, "bob");
    CliHarness.Run r = cli.as("alice", "policy", "grant", policy, "bob", "--from", "2019-01-01T00:00:00Z",
        "--until", "2019-02-01T00:00:00Z");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(cli.okAs("alice", "policy", "show", policy, "--json").json().get("members")).singleElement()
        .satisfies(m -> assertThat(m.get("notAfter").isNull()).as("bob's window is still open-ended").isTrue());
  }

  @Test
  void grant_ofAWindowEndingBeforeItStarts_isRefused_namingBothTimes() {
    CliHarness.Run r = cli.as("alice", "policy", "grant", randomPolicyId(), "bob", "--from", "2030-02-01T00:00:00Z",
        "--until", "2030-01-01T00:00:00Z", "--allow-ended");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("2030-01-01T00:00:00Z").contains("2030-02-01T00:00:00Z").contains("before");
  }

  @Test
  void policyShow_ofAnUnknownPolicy_exitsUsage() {
    CliHarness.Run r = cli.as("alice", "policy", "show", randomPolicyId());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("UNKNOWN_POLICY").contains("cachet policy create");
  }

  // ---------------------------------------------------------------- share tokens

  /** A blob Bob may read, and the token 'cachet share' makes for it. */
  record Shared(String blob, String token, String text) {}

  static Shared sharedWithBob(String text) throws Exception {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    cli.okAs("alice", "policy", "grant", policy, "bob");
    String blob = cli.okAs("alice", "put", file("shared.txt", text).toString(), "--policy", policy).out().strip();
    String token = cli.ok("share", blob, "--json").json().get("token").asText();
    return new Shared(blob, token, text);
  }

  static ObjectNode devnetDescriptor() throws Exception {
    return (ObjectNode) MAPPER.readTree(Files.readString(devnet.descriptorFile()));
  }

  static String token(String blob, JsonNode network) throws Exception {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("blobId", blob);
    o.set("network", network);
    return "cachet1." + Base64Url.encode(MAPPER.writeValueAsBytes(o));
  }

  /** The devnet's descriptor with another ledger id and key server ks-2 pinned to a key of an attacker's. */
  static ObjectNode anotherNetwork() throws Exception {
    ObjectNode n = devnetDescriptor();
    ((ObjectNode) n.get("ledger")).put("ledgerId", "elsewhere");
    for (JsonNode ks : n.get("keyServers").get("servers")) {
      if (ks.get("id").asText().equals("ks-2")) {
        ((ObjectNode) ks).put("signingKey", Base64Url.encode(Identity.generate(RANDOM).verifyingKey().bytes()));
      }
    }
    return n;
  }

  @Test
  void get_aTokenFromTheSameNetwork_works() throws Exception {
    Shared s = sharedWithBob("same network");
    Path out = home.resolve("same.txt");
    CliHarness.Run r = cli.okAs("bob", "get", s.token(), "-o", out.toString(), "--json");
    assertThat(Files.readString(out)).isEqualTo(s.text());
    assertThat(r.json().get("warnings")).isEmpty();
  }

  @Test
  void get_aTokenNamingAnotherNetwork_isRefused_namingTheDifferences_andWritesNothing() throws Exception {
    Shared s = sharedWithBob("not through their key servers");
    String forged = token(s.blob(), anotherNetwork());
    Path out = home.resolve("forged.txt");
    CliHarness.Run r = cli.as("bob", "get", forged, "-o", out.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(r.err().strip().lines()).singleElement().satisfies(line -> assertThat(line)
        .contains("another network").contains("ledger.ledgerId: yours is cachet-devnet, the token's elsewhere")
        .contains("key server ks-2 signingKey").contains("--trust-token-network")
        .doesNotContain("key server ks-1").doesNotContain("storage"));
    assertThat(out).doesNotExist();

    CliHarness.Run json = cli.as("bob", "get", forged, "-o", out.toString(), "--json");
    assertThat(json.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(json.json().get("error").get("reason").asText()).isEqualTo("UNTRUSTED_NETWORK");

    // an explicit --network is the reader's own too
    CliHarness.Run explicit = cli.as("bob", "get", forged, "-o", out.toString(), "--network",
        devnet.descriptorFile().toString());
    assertThat(explicit.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(explicit.err()).contains("ledger.ledgerId");
  }

  @Test
  void get_aTokenOnAReaderWithoutANetwork_isRefused_andWithTrustTokenNetwork_opensOnTheTokensNetwork()
      throws Exception {
    Shared s = sharedWithBob("opened on the token's network");
    Path bobsHome = readerHome("bob-alone");
    CliHarness bob = cli.withHome(bobsHome);
    Path out = bobsHome.resolve("got.txt");

    CliHarness.Run refused = bob.as("bob", "get", s.token(), "-o", out.toString());
    assertThat(refused.exit()).as(refused.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(refused.err()).contains("no network of your own").contains("--trust-token-network");
    assertThat(out).doesNotExist();

    CliHarness.Run trusted = bob.as("bob", "get", s.token(), "-o", out.toString(), "--trust-token-network");
    assertThat(trusted.exit()).as(trusted.err()).isEqualTo(ExitCodes.OK);
    assertThat(Files.readString(out)).isEqualTo(s.text());
    assertThat(trusted.err()).contains("cachet: warning: trusting the share token's network");
  }

  @Test
  void get_withTrustTokenNetwork_usesTheTokensNetwork_notTheReadersOwn() throws Exception {
    Shared s = sharedWithBob("the token's network, as asked");
    Path bobsHome = readerHome("bob-elsewhere");
    // Bob's own network: the devnet's, but with a key server pinned to another key and an aggregator
    // where nothing answers; a read on it would fail
    ObjectNode own = anotherNetwork();
    ((ObjectNode) own.get("ledger")).put("ledgerId", devnetDescriptor().get("ledger").get("ledgerId").asText());
    ((ObjectNode) own.get("storage")).put("aggregator", "http://127.0.0.1:9");
    Files.writeString(bobsHome.resolve("network.json"), MAPPER.writeValueAsString(own));
    CliHarness bob = cli.withHome(bobsHome);
    Path out = bobsHome.resolve("got.txt");

    CliHarness.Run refused = bob.as("bob", "get", s.token(), "-o", out.toString());
    assertThat(refused.exit()).as(refused.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(refused.err()).contains("key server ks-2 signingKey").contains("storage.aggregator")
        .doesNotContain("ledger.ledgerId");

    CliHarness.Run trusted = bob.as("bob", "get", s.token(), "-o", out.toString(), "--trust-token-network", "--json");
    assertThat(trusted.exit()).as(trusted.err()).isEqualTo(ExitCodes.OK);
    assertThat(Files.readString(out)).isEqualTo(s.text());
    assertThat(trusted.json().get("warnings")).singleElement()
        .satisfies(w -> assertThat(w.asText()).contains("storage.aggregator"));
  }

  /** A state directory with the identities of the shared one and no network of its own. */
  static Path readerHome(String name) throws Exception {
    Path dir = Files.createDirectories(home.resolve(name));
    Path ids = home.resolve("ids");
    try (Stream<Path> all = Files.walk(ids)) {
      for (Path p : all.sorted(Comparator.naturalOrder()).toList()) {
        Path target = dir.resolve("ids").resolve(ids.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return dir;
  }
}
