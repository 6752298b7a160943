package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import io.cachet.storage.StorageException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a person reads when the network fails them, through the commands they type against a devnet
 * of real servers: a part that cannot be reached is named with its host:port and the next step,
 * and fails at once; a refusal is one line per key server, with local names for addresses.
 */
class NetworkFailuresCliTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  /**
   * The fail-fast guard: a command whose every endpoint refuses connections must give up well
   * within this, unlock and all (a retry schedule or a connect timeout would take longer). Not a
   * performance figure: generous for a loaded machine.
   */
  static final Duration FAIL_FAST = Duration.ofSeconds(5);
  /**
   * Whether the storage client fails a refused connection at once (it then has the code
   * UNREACHABLE); one without it retries on its schedule first, and only the words are checked.
   */
  static final boolean STORAGE_FAILS_FAST = Arrays.stream(StorageException.Reason.values())
      .anyMatch(r -> r.name().equals("UNREACHABLE"));
  /** How long a revocation may take to reach the key servers on a loaded machine. */
  static final Duration REVOCATION = Duration.ofSeconds(60);
  /** A full address or policy id: what a person should not have to read in a refusal's lines. */
  static final Pattern FULL_ADDRESS = Pattern.compile("0x[0-9a-f]{64}");

  @TempDir static Path home;
  static Devnet devnet;
  static CliHarness cli;
  static String policy;
  static String blob;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    cli = new CliHarness(home, pass);
    for (String who : List.of("alice", "bob", "dave")) {
      TestIdentities.ed25519(home, who, pass);
    }
    TestIdentities.evm(home, "erin", pass);
    policy = cli.okAs("alice", "policy", "create").out().strip();
    cli.okAs("alice", "policy", "grant", policy, "bob");
    blob = cli.okAs("alice", "put", file("report.txt", "the quarterly report").toString(), "--policy", policy)
        .out().strip();
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

  /** A loopback port nothing listens on: bound and released, so a connection to it is refused. */
  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The devnet's descriptor copied outside the devnet, with the chosen parts moved to closed ports. */
  static Path descriptorWithClosed(String name, boolean ledger, boolean keyServers, boolean storage)
      throws Exception {
    ObjectNode d = (ObjectNode) MAPPER.readTree(devnet.descriptorFile().toFile());
    if (ledger) {
      ((ObjectNode) d.get("ledger")).put("url", "http://127.0.0.1:" + closedPort());
    }
    if (keyServers) {
      for (JsonNode s : (ArrayNode) d.path("keyServers").path("servers")) {
        ((ObjectNode) s).put("url", "http://127.0.0.1:" + closedPort());
      }
    }
    if (storage) {
      ObjectNode st = (ObjectNode) d.get("storage");
      st.put("publisher", "http://127.0.0.1:" + closedPort() + "/a-secret-path");
      st.put("aggregator", "http://127.0.0.1:" + closedPort() + "/a-secret-path");
    }
    Path f = home.resolve(name);
    Files.writeString(f, MAPPER.writeValueAsString(d));
    return f;
  }

  static int port(Path descriptor, String... path) throws Exception {
    JsonNode n = MAPPER.readTree(descriptor.toFile());
    for (String p : path) {
      n = n.get(p);
    }
    return URI.create(n.asText()).getPort();
  }

  record Timed(CliHarness.Run run, Duration took) {}

  static Timed timed(String who, String... args) {
    long t0 = System.nanoTime();
    CliHarness.Run r = cli.as(who, args);
    return new Timed(r, Duration.ofNanos(System.nanoTime() - t0));
  }

  // ---------------------------------------------------------------- parts that cannot be reached

  @Test
  void putAndGet_withTheNetworkDown_sayWhichPartBeforeAskingForAPassphrase() throws Exception {
    Path down = descriptorWithClosed("all-down-no-pass.json", true, true, true);
    // no passphrase source and no terminal: an unlock would fail as a usage error; the part comes first
    CliHarness.Run put = cli.cachet("put", file("early.txt", "x").toString(), "--policy", policy, "--as", "alice",
        "--network", down.toString(), "--json");
    assertThat(put.exit()).as(put.err()).isEqualTo(ExitCodes.IO);
    assertThat(put.json().get("error").get("reason").asText()).isEqualTo("UNREACHABLE");
    assertThat(put.err()).contains("the ledger").doesNotContain("passphrase");
    CliHarness.Run get = cli.cachet("get", blob, "-o", home.resolve("early.out").toString(), "--as", "bob",
        "--network", down.toString());
    assertThat(get.exit()).as(get.err()).isEqualTo(ExitCodes.IO);
    assertThat(get.err()).contains("the aggregator").doesNotContain("a-secret-path").doesNotContain("passphrase");
    CliHarness.Run grant = cli.cachet("policy", "grant", policy, "dave", "--as", "alice", "--network", down.toString());
    assertThat(grant.exit()).as(grant.err()).isEqualTo(ExitCodes.IO);
    assertThat(grant.err()).contains("the ledger").doesNotContain("passphrase");
  }

  @Test
  void put_withEveryEndpointClosed_failsAtOnce_namingTheLedgerAndTheDescriptor() throws Exception {
    Path closed = descriptorWithClosed("closed.json", true, true, true);
    int ledgerPort = port(closed, "ledger", "url");
    Timed t = timed("alice", "put", file("a.txt", "a").toString(), "--policy", policy, "--network", closed.toString());
    assertThat(t.run().exit()).as(t.run().err()).isEqualTo(ExitCodes.IO);
    assertThat(t.took()).as("fail-fast guard").isLessThan(FAIL_FAST);
    assertThat(t.run().err().strip().lines()).singleElement().satisfies(line -> assertThat(line)
        .startsWith("cachet: cannot reach the ledger at 127.0.0.1:" + ledgerPort + " (connection refused)")
        .contains("--network FILE (" + closed + ")"));

    CliHarness.Run json = cli.as("alice", "put", file("a.txt", "a").toString(), "--policy", policy, "--network",
        closed.toString(), "--json");
    assertThat(json.exit()).isEqualTo(ExitCodes.IO);
    JsonNode error = json.json().get("error");
    assertThat(error.get("reason").asText()).isEqualTo("UNREACHABLE");
    assertThat(error.get("status").asText()).isEqualTo("IO");
    assertThat(error.get("message").asText()).contains("the ledger at 127.0.0.1:" + ledgerPort);
  }

  @Test
  void get_withEveryEndpointClosed_failsAtOnce_namingTheAggregatorWithoutItsPath() throws Exception {
    Path closed = descriptorWithClosed("closed-get.json", true, true, true);
    int aggregatorPort = port(closed, "storage", "aggregator");
    Timed t = timed("bob", "get", blob, "-o", home.resolve("out-closed.txt").toString(), "--network",
        closed.toString());
    assertThat(t.run().exit()).as(t.run().err()).isEqualTo(ExitCodes.IO);
    if (STORAGE_FAILS_FAST) {
      assertThat(t.took()).as("fail-fast guard").isLessThan(FAIL_FAST);
    }
    assertThat(t.run().err().strip().lines()).singleElement().satisfies(line -> assertThat(line)
        .startsWith("cachet: cannot reach the aggregator at 127.0.0.1:" + aggregatorPort)
        .contains("--network FILE (" + closed + ")")
        .doesNotContain("a-secret-path").doesNotContain("http://"));
    assertThat(home.resolve("out-closed.txt")).doesNotExist();
  }

  @Test
  void put_withThePublisherClosed_namesThePublisher() throws Exception {
    ObjectNode d = (ObjectNode) MAPPER.readTree(devnet.descriptorFile().toFile());
    int publisherPort = closedPort();
    ((ObjectNode) d.get("storage")).put("publisher", "http://127.0.0.1:" + publisherPort + "/v1/key-in-path");
    Path f = home.resolve("no-publisher.json");
    Files.writeString(f, MAPPER.writeValueAsString(d));

    Timed t = timed("alice", "put", file("p.txt", "p").toString(), "--policy", policy, "--network", f.toString());
    assertThat(t.run().exit()).as(t.run().err()).isEqualTo(ExitCodes.IO);
    if (STORAGE_FAILS_FAST) {
      assertThat(t.took()).as("fail-fast guard").isLessThan(FAIL_FAST);
    }
    assertThat(t.run().err().strip().lines()).singleElement().satisfies(line -> assertThat(line)
        .startsWith("cachet: cannot reach the publisher at 127.0.0.1:" + publisherPort)
        .contains("--network FILE (" + f + ")").doesNotContain("key-in-path"));
  }

  @Test
  void put_withEveryKeyServerClosed_andNoKeptDescriptors_namesEachServerItCouldNotSealTo() throws Exception {
    // a state directory of its own: the same identities, and no key server descriptors kept from earlier puts
    Path other = home.resolve("fresh-home");
    try (var ids = Files.walk(home.resolve("ids"))) {
      for (Path p : ids.toList()) {
        Path to = other.resolve(home.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    Path closed = descriptorWithClosed("closed-key-servers.json", false, true, false);
    CliHarness fresh = cli.withHome(other);
    CliHarness.Run r = fresh.as("alice", "put", file("k.txt", "k").toString(), "--policy", policy, "--network",
        closed.toString(), "--json");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.IO);
    List<String> lines = r.err().strip().lines().toList();
    assertThat(lines.get(0)).startsWith("cachet: sealing needs the key of each of the 3 key servers, and ks-1, ks-2"
        + " and ks-3 could not give it").contains("--network FILE (" + closed + ")");
    assertThat(lines.subList(1, lines.size())).hasSize(3).allSatisfy(l -> assertThat(l)
        .matches("  ks-[123]  no answer: connection refused at 127\\.0\\.0\\.1:\\d+ \\(UNREACHABLE\\)"));
    JsonNode error = r.json().get("error");
    assertThat(error.get("reason").asText()).isEqualTo("UNREACHABLE");
    assertThat(error.get("servers").findValuesAsText("outcome")).containsOnly("unavailable");
  }

  @Test
  void put_withTheDevnetLedgerStopped_failsAtOnce_andPointsAtDevnetStatus() throws Exception {
    devnet.stop("ledger");
    try {
      Timed t = timed("alice", "put", file("l.txt", "l").toString(), "--policy", policy);
      assertThat(t.run().exit()).as(t.run().err()).isEqualTo(ExitCodes.IO);
      assertThat(t.took()).as("fail-fast guard").isLessThan(FAIL_FAST);
      assertThat(t.run().err().strip().lines()).singleElement().satisfies(line -> assertThat(line)
          .startsWith("cachet: cannot reach the ledger at 127.0.0.1:")
          .contains("'cachet devnet status'").contains("'cachet devnet start ledger'")
          .contains("'cachet devnet up'"));

      CliHarness.Run show = cli.as("alice", "policy", "show", policy);
      assertThat(show.exit()).isEqualTo(ExitCodes.IO);
      assertThat(show.err()).startsWith("cachet: cannot reach the ledger at 127.0.0.1:");
    } finally {
      devnet.start("ledger");
    }
  }

  @Test
  void put_onAnEvmNetworkWhoseRpcIsClosed_failsAtOnce_namingTheEvmRpc() throws Exception {
    ObjectNode d = (ObjectNode) MAPPER.readTree(devnet.descriptorFile().toFile());
    d.remove("ledger");
    int rpcPort = closedPort();
    ObjectNode chain = d.putObject("chain");
    chain.put("kind", "evm");
    chain.put("rpcUrl", "http://127.0.0.1:" + rpcPort + "/rpc-key-in-path");
    chain.put("chainId", 31337);
    chain.put("confirmations", 0);
    chain.put("policies", "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    chain.put("blobRegistry", "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    Path f = home.resolve("evm-closed.json");
    Files.writeString(f, MAPPER.writeValueAsString(d));

    Timed t = timed("erin", "put", file("e.txt", "e").toString(), "--policy", policy, "--network", f.toString());
    assertThat(t.run().exit()).as(t.run().err()).isEqualTo(ExitCodes.IO);
    assertThat(t.took()).as("fail-fast guard").isLessThan(FAIL_FAST);
    assertThat(t.run().err().strip().lines()).singleElement().satisfies(line -> assertThat(line)
        .startsWith("cachet: cannot reach the EVM RPC at 127.0.0.1:" + rpcPort + " (connection refused)")
        .contains("--network FILE (" + f + ")").doesNotContain("rpc-key-in-path"));
  }

  // ---------------------------------------------------------------- refusals, one line per key server

  @Test
  void get_byAReaderNotOnTheList_saysWhoRefused_oneLinePerKeyServer_withNames() throws Exception {
    String dave = cli.ok("id", "show", "dave", "--json").json().get("address").asText();
    CliHarness.Run r = cli.as("dave", "get", blob, "-o", home.resolve("dave.txt").toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.REFUSED);
    List<String> lines = r.err().strip().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("cachet: dave's access to policy 0x")
        .contains("refused by 2 of 3 key servers, 2 needed")
        .contains("cachet policy grant " + policy);
    assertThat(lines.subList(1, 4)).allSatisfy(l -> assertThat(l).matches("  ks-[123]  .*")
        .doesNotContainPattern(FULL_ADDRESS).doesNotContain(dave));
    assertThat(lines.stream().filter(l -> l.contains("refused: dave is not on")).count()).isEqualTo(2);
    assertThat(lines.stream().filter(l -> l.contains("(NOT_A_MEMBER)")).count()).isEqualTo(2);
    assertThat(lines).filteredOn(l -> l.endsWith("no answer needed: 2 of 3 already decided")).hasSize(1);
    assertThat(r.err()).doesNotContain("not waited for");

    CliHarness.Run json = cli.as("dave", "get", blob, "-o", home.resolve("dave.txt").toString(), "--json");
    JsonNode error = json.json().get("error");
    assertThat(error.get("reason").asText()).isEqualTo("NOT_A_MEMBER");
    assertThat(error.get("exitCode").asInt()).isEqualTo(ExitCodes.REFUSED);
    JsonNode servers = error.get("servers");
    assertThat(servers).hasSize(3);
    assertThat(servers.findValuesAsText("outcome")).containsExactlyInAnyOrder("denied", "denied", "not_needed");
    assertThat(servers.findValuesAsText("id")).containsExactlyInAnyOrder("ks-1", "ks-2", "ks-3");
    for (JsonNode s : servers) {
      assertThat(s.get("message").asText()).isNotBlank();
      if (s.get("outcome").asText().equals("denied")) {
        assertThat(s.get("reason").asText()).isEqualTo("NOT_A_MEMBER");
      }
    }
  }

  @Test
  void get_byARevokedReader_isRefused_namingTheReader() throws Exception {
    String reader = "bob";
    String own = cli.okAs("alice", "policy", "create").out().strip();
    cli.okAs("alice", "policy", "grant", own, reader);
    String b = cli.okAs("alice", "put", file("revoked.txt", "for bob, for now").toString(), "--policy", own)
        .out().strip();
    cli.okAs(reader, "get", b, "-o", home.resolve("bob-before.txt").toString());
    cli.okAs("alice", "policy", "revoke", own, reader);

    long deadline = System.nanoTime() + REVOCATION.toNanos();
    CliHarness.Run r;
    do {
      r = cli.as(reader, "get", b, "-o", home.resolve("bob-after.txt").toString());
    } while (r.exit() == ExitCodes.OK && System.nanoTime() < deadline);
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.REFUSED);
    List<String> lines = r.err().strip().lines().toList();
    assertThat(lines.get(0)).startsWith("cachet: bob's access to policy 0x").contains("of 3 key servers, 2 needed");
    assertThat(lines.subList(1, lines.size())).hasSize(3).anySatisfy(l -> assertThat(l)
        .contains("refused: bob ").contains("(NOT_A_MEMBER)"))
        .allSatisfy(l -> assertThat(l).doesNotContainPattern(FULL_ADDRESS));
  }

  @Test
  void get_withOneKeyServerDown_refusalNamesItUnreachable_andTwoDownIsExitIo() throws Exception {
    devnet.stop("ks-3");
    try {
      CliHarness.Run dave = cli.as("dave", "get", blob, "-o", home.resolve("dave3.txt").toString());
      assertThat(dave.exit()).as(dave.err()).isEqualTo(ExitCodes.REFUSED);
      assertThat(dave.err().strip().lines().skip(1)).hasSize(3)
          .anySatisfy(l -> assertThat(l).startsWith("  ks-3  no answer: connection refused at 127.0.0.1:")
              .endsWith("(UNREACHABLE)"));

      cli.okAs("bob", "get", blob, "-o", home.resolve("bob3.txt").toString());
      assertThat(home.resolve("bob3.txt")).hasContent("the quarterly report");

      devnet.stop("ks-2");
      Timed t = timed("bob", "get", blob, "-o", home.resolve("bob23.txt").toString(), "--json");
      CliHarness.Run two = t.run();
      assertThat(two.exit()).as(two.err()).isEqualTo(ExitCodes.IO);
      assertThat(t.took()).as("fail-fast guard").isLessThan(FAIL_FAST);
      List<String> lines = two.err().strip().lines().toList();
      assertThat(lines.get(0)).matches("cachet: only [01] of 3 key servers released a share, 2 needed.*")
          .contains("'cachet devnet status'");
      assertThat(lines.subList(1, lines.size())).hasSize(3)
          .anySatisfy(l -> assertThat(l).startsWith("  ks-2  no answer: connection refused at 127.0.0.1:"))
          .anySatisfy(l -> assertThat(l).startsWith("  ks-3  no answer: connection refused at 127.0.0.1:"));
      JsonNode error = two.json().get("error");
      assertThat(error.get("reason").asText()).isEqualTo("UNREACHABLE");
      assertThat(error.get("servers")).hasSize(3);
      assertThat(error.get("servers").findValuesAsText("outcome")).contains("unavailable");
      assertThat(home.resolve("bob23.txt")).doesNotExist();
    } finally {
      devnet.start("ks-2");
      devnet.start("ks-3");
    }
  }
}
