package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Invocation;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands a person reaches for around the core flow, typed against one devnet of real
 * servers: contacts and {@code id export}, names in grants, admins and transfers, {@code policy
 * list} and a readable {@code policy show}, and {@code cachet status} with a key server stopped.
 */
class PoliciesContactsStatusCliTest {
  static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir static Path home;
  static Devnet devnet;
  static CliHarness cli;
  /** Erin's own machine: she exports her address from there, and it reaches alice's contacts. */
  static CliHarness erin;
  static String erinAddress;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    cli = new CliHarness(home, pass);
    for (String who : List.of("alice", "bob", "carol")) {
      TestIdentities.ed25519(home, who, pass);
    }
    erin = cli.withHome(home.resolve("erin-home"));
    TestIdentities.ed25519(home.resolve("erin-home"), "erin", pass);
    erinAddress = erin.ok("id", "export", "--json").json().get("address").asText();
  }

  @AfterAll
  static void stop() {
    devnet.close();
  }

  /** Erin's export line, run as alice would paste it, makes erin a contact. */
  static void addErin() {
    cli.ok("contact", "add", "erin", erinAddress);
  }

  // ---------------------------------------------------------------- contacts and id export

  @Test
  void idExport_printsTheAddressAndAReadyContactLine_andJsonHasNameAddressKind() throws Exception {
    CliHarness.Run text = erin.ok("id", "export");
    assertThat(text.out()).contains(erinAddress).contains("cachet contact add erin " + erinAddress);
    JsonNode json = erin.ok("id", "export", "erin", "--json").json();
    assertThat(json.get("name").asText()).isEqualTo("erin");
    assertThat(json.get("kind").asText()).isEqualTo("ed25519");
    assertThat(json.get("contactLine").asText()).isEqualTo("cachet contact add erin " + erinAddress);
    assertThat(json.has("keystore")).as("an export names no file of mine").isFalse();
  }

  @Test
  void contactAdd_theExportedLine_isListed_andTheFileIsPrivate() throws Exception {
    String[] line = erin.ok("id", "export", "--json").json().get("contactLine").asText().split(" ");
    cli.ok(Arrays.copyOfRange(line, 1, line.length));
    JsonNode list = cli.ok("contact", "list", "--json").json().get("contacts");
    assertThat(list).anySatisfy(c -> {
      assertThat(c.get("name").asText()).isEqualTo("erin");
      assertThat(c.get("address").asText()).isEqualTo(erinAddress);
    });
    assertThat(cli.ok("contact", "list").out()).contains("erin").contains(erinAddress);
    assertThat(Files.getPosixFilePermissions(home.resolve("contacts.json")))
        .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
  }

  @Test
  void contactAdd_aNameAnIdentityHas_isRefusedWithExit2_andNothingIsStored() throws Exception {
    CliHarness.Run r = cli.cachet("contact", "add", "bob", erinAddress);
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).startsWith("cachet: ").contains("'bob' is the name of one of your identities");
    assertThat(cli.ok("contact", "list", "--json").json().get("contacts"))
        .noneSatisfy(c -> assertThat(c.get("name").asText()).isEqualTo("bob"));
  }

  @Test
  void contactAdd_aMalformedAddress_isRefusedWithExit2_andJsonCarriesTheError() throws Exception {
    CliHarness.Run r = cli.cachet("contact", "add", "frank", "0x12zz", "--json");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("'0x12zz' is not an address").contains("cachet id export");
    assertThat(r.json().get("error").get("exitCode").asInt()).isEqualTo(ExitCodes.USAGE);
    CliHarness.Run bad = cli.cachet("contact", "add", "Frank!", erinAddress);
    assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err()).contains("not a usable name");
  }

  @Test
  void contactRemove_forgetsTheName_andAnUnknownNameExits2() throws Exception {
    cli.ok("contact", "add", "gina", erinAddress);
    assertThat(cli.ok("contact", "remove", "gina").out()).contains("removed contact gina");
    assertThat(cli.ok("contact", "list", "--json").json().get("contacts"))
        .noneSatisfy(c -> assertThat(c.get("name").asText()).isEqualTo("gina"));
    CliHarness.Run again = cli.cachet("contact", "remove", "gina");
    assertThat(again.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(again.err()).contains("no contact named 'gina'").contains("cachet contact list");
  }

  // ---------------------------------------------------------------- names in grants, admins, transfers; list

  @Test
  void grantAdminTransfer_takeAContactsName_andListShowsOwnerAndAdminRoles() throws Exception {
    addErin();
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    CliHarness.Run grant = cli.okAs("alice", "policy", "grant", policy, "erin");
    assertThat(grant.out()).contains("erin").contains(erinAddress);

    cli.okAs("alice", "policy", "admin", "add", policy, "bob");
    JsonNode bobs = cli.ok("policy", "list", "--as", "bob", "--json").json().get("policies");
    assertThat(bobs).anySatisfy(p -> {
      assertThat(p.get("id").asText()).isEqualTo(policy);
      assertThat(p.get("role").asText()).isEqualTo("admin");
      assertThat(p.get("kind").asText()).isEqualTo("allow-list");
      assertThat(p.get("members").asLong()).isEqualTo(1);
      assertThat(p.get("ownerName").asText()).isEqualTo("alice");
    });
    JsonNode all = cli.ok("policy", "list", "--json").json().get("policies");
    assertThat(all).anySatisfy(p -> {
      assertThat(p.get("id").asText()).isEqualTo(policy);
      assertThat(p.get("identity").asText()).isEqualTo("alice");
      assertThat(p.get("role").asText()).isEqualTo("owner");
    });
    CliHarness.Run table = cli.ok("policy", "list");
    assertThat(table.out()).contains("POLICY").contains(policy.substring(0, 8) + "…")
        .containsPattern("allow-list\\s+owner\\s+alice\\s+1").containsPattern("allow-list\\s+admin\\s+bob\\s+1");

    // an admin of a contact's name, then taken away
    cli.okAs("alice", "policy", "admin", "add", policy, "erin");
    assertThat(cli.ok("policy", "show", policy, "--json").json().get("names").get(erinAddress).asText())
        .isEqualTo("erin (contact)");
    cli.okAs("alice", "policy", "admin", "remove", policy, "bob");
    assertThat(cli.ok("policy", "list", "--as", "bob", "--json").json().get("policies"))
        .noneSatisfy(p -> assertThat(p.get("id").asText()).isEqualTo(policy));

    // ownership to a contact: alice no longer lists it; show names the new owner
    cli.okAs("alice", "policy", "transfer", policy, "erin");
    JsonNode shown = cli.ok("policy", "show", policy, "--json").json();
    assertThat(shown.get("owner").asText()).isEqualTo(erinAddress);
    assertThat(cli.ok("policy", "show", policy).out()).contains("owner   erin (contact)");
    assertThat(cli.ok("policy", "list", "--as", "alice", "--json").json().get("policies"))
        .noneSatisfy(p -> assertThat(p.get("id").asText()).isEqualTo(policy));
  }

  @Test
  void grant_anUnknownName_exits2_namingContactAdd() {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    CliHarness.Run r = cli.as("alice", "policy", "grant", policy, "zed");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("'zed' is neither an address").contains("cachet contact add zed 0x");
  }

  @Test
  void grant_aContactWithAnEvmAddress_onTheEmbeddedLedger_exits2BeforeAnyPassphrase() throws Exception {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    cli.ok("contact", "add", "vic", "0x" + "ab".repeat(20));
    // no passphrase file and no terminal: the refusal comes before one would be asked for
    CliHarness.Run r = cli.cachet("policy", "grant", policy, "vic", "--as", "alice", "--json");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err().strip().lines()).singleElement().satisfies(l -> assertThat(l)
        .startsWith("cachet: 'vic' (0x").contains("is an EVM address").contains("cachet id export"));
    assertThat(r.json().get("error").get("status").asText()).isEqualTo("USAGE");
  }

  @Test
  void policyList_needsNoPassphrase_andSaysSoWhenThereIsNothing() {
    // no --passphrase-file and no terminal: a command that asked would fail
    CliHarness.Run r = cli.ok("policy", "list", "--as", "carol");
    assertThat(r.out()).contains("no policies owned or administered by carol");
  }

  // ---------------------------------------------------------------- show

  @Test
  void show_membersWithNamesAndStates_activeExpiredNotYet_byTheLedgersTime() throws Exception {
    addErin();
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    cli.okAs("alice", "policy", "grant", policy, "bob");
    cli.okAs("alice", "policy", "grant", policy, "carol", "--from", "2020-01-01T00:00:00Z", "--until",
        "2020-02-01T00:00:00Z", "--allow-ended");
    Instant later = Instant.now().plus(Duration.ofDays(3));
    cli.okAs("alice", "policy", "grant", policy, "erin", "--from", later.toString());

    CliHarness.Run text = cli.ok("policy", "show", policy);
    assertThat(text.out()).contains("owner   alice").contains("by the ledger's time")
        .containsPattern("bob\\s+active\\s+always\\s+no end")
        .containsPattern("carol\\s+expired\\s+2020-01-01 00:00 .*ago")
        .containsPattern("erin \\(contact\\)\\s+not yet\\s+.*, in 2 d");
    JsonNode json = cli.ok("policy", "show", policy, "--json").json();
    assertThat(json.get("judgedBy").asText()).isEqualTo("ledger");
    assertThat(json.get("kind").asText()).isEqualTo("allow-list");
    Map<String, String> states = new HashMap<>();
    for (JsonNode m : json.get("members")) {
      states.put(m.path("name").asText(m.get("address").asText()), m.get("state").asText());
      assertThat(m.has("notBefore")).as("today's fields stay").isTrue();
    }
    assertThat(states).containsEntry("bob", "active").containsEntry("carol", "expired")
        .containsEntry("erin (contact)", "not yet");
  }

  @Test
  void show_windowsInTheZoneTzNames() throws Exception {
    String policy = cli.okAs("alice", "policy", "create").out().strip();
    cli.okAs("alice", "policy", "grant", policy, "bob", "--from", "2020-01-01T00:00:00Z", "--until",
        "2020-02-01T00:00:00Z", "--allow-ended");
    CliHarness.Run tokyo = withEnv(Map.of("TZ", "Asia/Tokyo"), () -> cli.ok("policy", "show", policy));
    assertThat(tokyo.out()).contains("2020-01-01 09:00 JST").contains("2020-02-01 09:00 JST");
    CliHarness.Run utc = withEnv(Map.of("TZ", "UTC"), () -> cli.ok("policy", "show", policy));
    assertThat(utc.out()).contains("2020-01-01 00:00 UTC");
  }

  @Test
  void show_aTimeLock_saysWhenItOpens_andListShowsIt() throws Exception {
    Instant opens = Instant.now().plus(Duration.ofHours(3)).plus(Duration.ofMinutes(5));
    String lock = cli.okAs("alice", "policy", "timelock", "--at", opens.toString()).out().strip();
    assertThat(cli.ok("policy", "show", lock).out()).contains("opens").contains(", in 3 h");
    JsonNode json = cli.ok("policy", "show", lock, "--json").json();
    assertThat(json.get("open").asBoolean()).isFalse();
    assertThat(cli.ok("policy", "list", "--as", "alice", "--json").json().get("policies")).anySatisfy(p -> {
      assertThat(p.get("id").asText()).isEqualTo(lock);
      assertThat(p.get("kind").asText()).isEqualTo("time-lock");
      assertThat(Instant.parse(p.get("unlockAt").asText())).isBetween(opens.minusSeconds(1), opens.plusSeconds(1));
    });
    String past = cli.okAs("alice", "policy", "timelock", "--at", "2020-01-01T00:00:00Z").out().strip();
    assertThat(cli.ok("policy", "show", past).out()).contains("open since").contains("ago");
  }

  // ---------------------------------------------------------------- status

  @Test
  void status_allUp_exits0_thenAKeyServerStopped_exits1NamingIt_andComesBack() throws Exception {
    CliHarness.Run up = cli.cachet("status", "--json");
    assertThat(up.exit()).as(up.err() + up.out()).isEqualTo(ExitCodes.OK);
    JsonNode doc = up.json();
    assertThat(doc.get("healthy").asBoolean()).isTrue();
    assertThat(doc.get("height").asLong()).isGreaterThanOrEqualTo(0);
    List<String> names = new ArrayList<>();
    doc.get("parts").forEach(p -> names.add(p.get("name").asText()));
    assertThat(names).containsExactly("ledger", "ks-1", "ks-2", "ks-3", "publisher", "aggregator");
    doc.get("parts").forEach(p -> {
      assertThat(p.get("up").asBoolean()).as(p.toString()).isTrue();
      if (p.get("role").asText().equals("key-server")) {
        assertThat(p.get("lag").asLong()).isBetween(0L, 5L);
      }
    });

    devnet.stop("ks-2");
    try {
      long started = System.nanoTime();
      CliHarness.Run down = cli.cachet("status");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a dead part costs about a probe's timeout")
          .isLessThan(Duration.ofSeconds(20));
      assertThat(down.exit()).as(down.err()).isEqualTo(ExitCodes.FAILED);
      assertThat(down.out()).containsPattern("ks-2\\s+DOWN\\s+connection refused");
      assertThat(down.out()).containsPattern("ks-1\\s+up\\s+serving, height \\d+, lag \\d");
      assertThat(down.err().strip().lines()).singleElement().satisfies(l -> assertThat(l)
          .startsWith("cachet: ks-2 down").contains("cachet devnet status"));
      JsonNode json = cli.cachet("status", "--json").json();
      assertThat(json.get("healthy").asBoolean()).isFalse();
      assertThat(json.get("problems").toString()).contains("ks-2 down");
    } finally {
      devnet.start("ks-2");
    }
  }

  @Test
  void statusJson_carriesTheGatewaysWordOnEachNode_andOnRepair_aStoppedNodeUnreachable() throws Exception {
    JsonNode storage = cli.cachet("status", "--json").json().get("storage");
    assertThat(storage).as("the gateway's report").isNotNull();
    assertThat(storage.get("status").asText()).isEqualTo("serving");
    assertThat(storage.get("nodesServing").asInt()).isEqualTo(7);
    for (int i = 0; i < 7; i++) {
      JsonNode node = storage.get("nodeReports").get("node-" + i);
      assertThat(node.get("status").asText()).isEqualTo("serving");
      assertThat(node.get("usedBytes").asLong()).isGreaterThanOrEqualTo(0);
      assertThat(node.has("shards")).isTrue();
    }
    assertThat(storage.get("repair").has("passes")).isTrue();

    devnet.stop("node-3");
    try {
      JsonNode after = cli.cachet("status", "--json").json().get("storage");
      assertThat(after.get("nodesServing").asInt()).isEqualTo(6);
      assertThat(after.get("nodeReports").get("node-3").get("status").asText()).isEqualTo("unreachable");
    } finally {
      devnet.start("node-3");
    }
  }

  @Test
  void status_ofANetworkWhereNothingAnswers_exits4_withOneLine() throws Exception {
    String descriptor = Files.readString(devnet.descriptorFile());
    // the same network, every part moved to a port nothing listens on
    String dead = descriptor.replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:9");
    Path file = home.resolve("dead-network.json");
    Files.writeString(file, dead);
    CliHarness.Run r = cli.cachet("status", "--network", file.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(ExitCodes.IO);
    assertThat(r.err().strip().lines()).singleElement().satisfies(l -> assertThat(l)
        .startsWith("cachet: no part of the network answered").contains("--network"));
    JsonNode json = cli.cachet("status", "--network", file.toString(), "--json").json();
    assertThat(json.get("parts")).allSatisfy(p -> assertThat(p.get("up").asBoolean()).isFalse());
  }

  @Test
  void status_aKeyServerThatAcceptsButNeverAnswers_isDownAfterTheAnswerTimeout_andTheOthersAreUp() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // a hostile key server: takes the connection and the request, and never says a word
      HttpServer silent = vertx.createHttpServer().requestHandler(req -> { })
          .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      ObjectNode descriptor = (ObjectNode) MAPPER.readTree(devnet.descriptorFile().toFile());
      ((ObjectNode) descriptor.get("keyServers").get("servers").get(2)).put("url",
          "http://127.0.0.1:" + silent.actualPort());
      Path file = home.resolve("silent-ks3.json");
      Files.writeString(file, MAPPER.writeValueAsString(descriptor));
      long started = System.nanoTime();
      CliHarness.Run r = cli.cachet("status", "--network", file.toString(), "--json");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a silent part costs its timeout, not forever")
          .isLessThan(Duration.ofSeconds(25));
      assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.FAILED);
      JsonNode parts = r.json().get("parts");
      assertThat(parts.get(3).get("name").asText()).isEqualTo("ks-3");
      assertThat(parts.get(3).get("up").asBoolean()).isFalse();
      assertThat(parts.get(3).get("detail").asText()).contains("no answer within");
      assertThat(parts.get(1).get("up").asBoolean()).isTrue();
      assertThat(parts.get(0).get("up").asBoolean()).isTrue();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static CliHarness.Run withEnv(Map<String, String> extra, Callable<CliHarness.Run> body)
      throws Exception {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putAll(extra);
    Invocation run = new Invocation(env, Path.of("").toAbsolutePath(), new ByteArrayInputStream(new byte[0]),
        new ByteArrayOutputStream(), new PrintStream(new ByteArrayOutputStream()), false);
    return Invocation.call(run, body);
  }

}
