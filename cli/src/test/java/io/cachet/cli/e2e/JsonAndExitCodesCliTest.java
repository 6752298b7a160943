package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --json} prints exactly one document on stdout, a result or an error, for every way a
 * command can fail: a command line picocli cannot parse (for every command that takes
 * {@code --json}, found by walking the tree), a failure of the command itself, a failure after it
 * had printed; and each exit code of README.md's table is the one the command returns, through the
 * command as typed. No devnet: the network failures use a descriptor whose ports are closed.
 */
class JsonAndExitCodesCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POLICY = "0x" + "ab".repeat(32);

  @TempDir Path home;
  private Path pass;
  private CliHarness cli;

  @BeforeEach
  void setUp() throws Exception {
    pass = home.resolve("pass.txt");
    Files.writeString(pass, "correct horse\n");
    cli = new CliHarness(home.resolve("state"), pass);
  }

  /** The one JSON document on stdout, failing the test if there is none, more, or anything else. */
  private static JsonNode onlyDocument(CliHarness.Run r, String what) throws Exception {
    assertThat(r.out()).as("%s prints a document on stdout; stderr: %s", what, r.err()).isNotBlank();
    try (JsonParser p = JSON.createParser(r.out())) {
      JsonNode doc = JSON.readTree(p);
      assertThat(p.nextToken()).as("%s: nothing after the one document: %s", what, r.out()).isNull();
      return doc;
    }
  }

  private static JsonNode error(CliHarness.Run r, String what, int exit) throws Exception {
    JsonNode error = errorDocument(r, what, exit);
    assertThat(r.err().lines().toList()).as("%s: one line on stderr", what).hasSize(1);
    return error;
  }

  /** As {@link #error}, where stderr may say more than one line (one per key server, say). */
  private static JsonNode errorDocument(CliHarness.Run r, String what, int exit) throws Exception {
    assertThat(r.exit()).as("%s: %s", what, r.err()).isEqualTo(exit);
    JsonNode error = onlyDocument(r, what).get("error");
    assertThat(error).as("%s: an error document", what).isNotNull();
    assertThat(error.get("exitCode").asInt()).as(what).isEqualTo(exit);
    assertThat(error.get("status").asText()).as(what).isEqualTo(ExitCodes.name(exit));
    assertThat(error.get("reason").asText()).as(what).isNotBlank();
    assertThat(error.get("message").asText()).as(what).isNotBlank();
    assertThat(r.err()).as(what).startsWith("cachet: ");
    return error;
  }

  /** Every command that takes {@code --json}, as the path typed after {@code cachet}, with its spec. */
  private static Map<List<String>, CommandSpec> jsonCommands() {
    Map<List<String>, CommandSpec> found = new LinkedHashMap<>();
    walk(Cachet.newCommandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), List.of(),
        found);
    return found;
  }

  private static void walk(CommandLine at, List<String> path, Map<List<String>, CommandSpec> found) {
    if (at.getCommandSpec().findOption("--json") != null) {
      found.put(path, at.getCommandSpec());
    }
    at.getSubcommands().forEach((name, sub) -> {
      List<String> next = new ArrayList<>(path);
      next.add(name);
      walk(sub, next, found);
    });
  }

  /** The command as typed, with no {@code --home} added: a parse error needs no state. */
  private static CliHarness.Run typed(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new CliHarness.Run(exit, out.toString(), err.toString());
  }

  private static String[] args(List<String> path, String... more) {
    List<String> all = new ArrayList<>(path);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  @Test
  void badCommandLine_everyJsonCommand_printsOneErrorDocument() throws Exception {
    Map<List<String>, CommandSpec> commands = jsonCommands();
    assertThat(commands.keySet()).as("the walk finds them").contains(List.of("put"), List.of("get"),
        List.of("policy", "grant"), List.of("id", "list"), List.of("devnet", "up"), List.of("ledger", "recover"));
    for (Map.Entry<List<String>, CommandSpec> c : commands.entrySet()) {
      String name = "cachet " + String.join(" ", c.getKey());
      JsonNode unknown = error(typed(args(c.getKey(), "--json", "--no-such-option")), name + " --no-such-option",
          ExitCodes.USAGE);
      assertThat(unknown.get("reason").asText()).as(name).isEqualTo("UNKNOWN_OPTION");
      assertThat(unknown.get("message").asText()).as(name).contains("--no-such-option");
      assertThat(unknown.get("hint").asText()).as(name).contains(name + " --help");
      boolean needsSomething = c.getValue().args().stream().anyMatch(a -> a.required() && a.group() == null)
          || c.getValue().argGroups().stream().anyMatch(g -> g.multiplicity().min() > 0);
      if (needsSomething) {
        JsonNode missing = error(typed(args(c.getKey(), "--json")), name + " (nothing given)", ExitCodes.USAGE);
        assertThat(missing.get("reason").asText()).as(name).isEqualTo("MISSING_ARGUMENT");
      }
    }
  }

  @Test
  void badCommandLine_kinds_eachHasItsReason() throws Exception {
    Path file = Files.writeString(home.resolve("a.txt"), "hello");
    assertThat(error(cli.cachet("put", file.toString(), "--policy", POLICY, "--epochs", "many", "--json"), "bad value",
        ExitCodes.USAGE).get("reason").asText()).isEqualTo("BAD_VALUE");
    assertThat(error(cli.cachet("put", file.toString(), "extra", "--policy", POLICY, "--json"), "extra argument",
        ExitCodes.USAGE).get("reason").asText()).isEqualTo("UNEXPECTED_ARGUMENT");
    // the unknown option is the news, not the required ones it left out
    JsonNode unknown = error(cli.cachet("put", "--polcy", POLICY, "--json"), "misspelt option", ExitCodes.USAGE);
    assertThat(unknown.get("reason").asText()).isEqualTo("UNKNOWN_OPTION");
    assertThat(unknown.get("hint").asText()).contains("--policy");
    CliHarness.Run group = cli.cachet("policy", "grnt", "--json");
    assertThat(error(group, "unknown command", ExitCodes.USAGE).get("reason").asText()).isEqualTo("UNKNOWN_COMMAND");
    assertThat(group.err()).contains("'grnt'").contains("grant");
  }

  @Test
  void groupWithoutCommand_exitsUsageListingItsCommands() {
    CliHarness.Run r = typed("policy");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines().toList()).singleElement().asString().startsWith("cachet: 'cachet policy' needs a command")
        .contains("create, grant");
  }

  @Test
  void noNetwork_isAUsageErrorInOneDocument() throws Exception {
    JsonNode e = error(cli.cachet("policy", "create", "--json"), "policy create with no network", ExitCodes.USAGE);
    assertThat(e.get("reason").asText()).isEqualTo("NO_NETWORK");
    assertThat(e.get("hint").asText()).contains("cachet devnet up");
  }

  @Test
  void unknownIdentity_isAUsageErrorInOneDocument() throws Exception {
    error(cli.cachet("id", "show", "nobody", "--json"), "id show nobody", ExitCodes.USAGE);
  }

  @Test
  void putMissingFile_exitsIoNamingThePathOnce() throws Exception {
    Path missing = home.resolve("missing.txt");
    CliHarness.Run r = cli.cachet("put", missing.toString(), "--policy", POLICY, "--json");
    JsonNode e = error(r, "put missing.txt", ExitCodes.IO);
    assertThat(e.get("reason").asText()).isEqualTo("NO_SUCH_FILE");
    assertThat(occurrences(r.err(), missing.toString())).isEqualTo(1);
    assertThat(r.err()).contains("does not exist").contains("Check the path");
    CliHarness.Run text = cli.cachet("put", missing.toString(), "--policy", POLICY);
    assertThat(text.exit()).isEqualTo(ExitCodes.IO);
    assertThat(text.out()).isEmpty();
  }

  @Test
  void putDirectory_exitsUsageSayingItIsADirectory() throws Exception {
    Path dir = Files.createDirectories(home.resolve("photos"));
    CliHarness.Run r = cli.cachet("put", dir.toString(), "--policy", POLICY, "--json");
    JsonNode e = error(r, "put DIR", ExitCodes.USAGE);
    assertThat(e.get("reason").asText()).isEqualTo("IS_A_DIRECTORY");
    assertThat(r.err()).contains("is a directory").contains("tar").doesNotContain("no file");
    assertThat(occurrences(r.err(), dir.toString())).isEqualTo(1);
  }

  @Test
  void passphraseFileMissing_namesThePathOnceAndExitsIo() throws Exception {
    Path missing = home.resolve("no-such-pass.txt");
    CliHarness.Run r = cli.cachet("id", "new", "alice", "--passphrase-file", missing.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.IO);
    assertThat(occurrences(r.err(), missing.toString())).as(r.err()).isEqualTo(1);
    assertThat(r.err().lines().count()).isEqualTo(1);
    assertThat(error(cli.cachet("id", "new", "alice", "--passphrase-file", missing.toString(), "--json"),
        "id new with a missing passphrase file", ExitCodes.IO).get("reason").asText()).isEqualTo("NO_SUCH_FILE");
  }

  @Test
  void keyFileMissing_exitsIoNamingItOnce() throws Exception {
    Path missing = home.resolve("dave.key");
    CliHarness.Run r = cli.cachet("id", "import", "dave", "--evm-key-file", missing.toString(), "--json");
    assertThat(error(r, "id import with a missing key file", ExitCodes.IO).get("reason").asText()).isEqualTo("NO_SUCH_FILE");
    assertThat(occurrences(r.err(), missing.toString())).isEqualTo(1);
  }

  @Test
  void networkFileMissing_exitsIoNamingIt() throws Exception {
    Path missing = home.resolve("nowhere.json");
    CliHarness.Run r = cli.cachet("policy", "create", "--network", missing.toString(), "--json");
    assertThat(error(r, "--network missing", ExitCodes.IO).get("reason").asText()).isEqualTo("NO_SUCH_FILE");
    assertThat(occurrences(r.err(), missing.toString())).isEqualTo(1);
  }

  @Test
  void exitCodes_throughTheCommand_matchTheDocumentedOnes() throws Exception {
    // 0: done
    cli.ok("id", "new", "alice", "--passphrase-file", pass.toString());
    assertThat(onlyDocument(cli.ok("id", "list", "--json"), "id list").toString()).contains("alice");
    // 1: ran, the outcome not the one asked for (no devnet runs): a result document, not an error
    CliHarness.Run status = cli.cachet("devnet", "status", "--json");
    assertThat(status.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(onlyDocument(status, "devnet status").get("running").asBoolean()).isFalse();
    // 2: bad command line
    assertThat(cli.cachet("id", "list", "--bogus").exit()).isEqualTo(ExitCodes.USAGE);
    // 3: wrong passphrase, before the ledger is asked anything (it only has to listen: a command
    // checks that its parts listen before it unlocks)
    Path network = closedNetwork();
    Path wrong = Files.writeString(home.resolve("wrong.txt"), "not it\n");
    try (ServerSocket listening = new ServerSocket(0)) {
      String ledgerListening = Files.readString(network).replaceFirst("\"ledger\":\\{\"url\":\"http://127.0.0.1:\\d+",
          "\"ledger\":{\"url\":\"http://127.0.0.1:" + listening.getLocalPort());
      Path reachable = Files.writeString(home.resolve("ledger-listening.json"), ledgerListening);
      CliHarness.Run refused = cli.cachet("policy", "create", "--as", "alice", "--passphrase-file", wrong.toString(),
          "--network", reachable.toString(), "--json");
      error(refused, "policy create with a wrong passphrase", ExitCodes.REFUSED);
    }
    // 4: the network is down
    Path file = Files.writeString(home.resolve("a.txt"), "hello");
    CliHarness.Run down = cli.as("alice", "put", file.toString(), "--policy", POLICY, "--network", network.toString(),
        "--json");
    errorDocument(down, "put with every part of the network down", ExitCodes.IO);
  }

  /**
   * {@code get -o - --json} would put the plaintext and a document on the same stdout: refused as a
   * usage error before the network is asked (its ports are closed, so asking would exit 4).
   */
  @Test
  void getToStdoutWithJson_isRefusedBeforeAnythingIsFetched() throws Exception {
    cli.ok("id", "new", "alice", "--passphrase-file", pass.toString());
    Path network = closedNetwork();
    CliHarness.Run r = cli.as("alice", "get", "3h9wJArxUnNIT0ShAFM6Zg6JU5GOgr4bTSwfPUV0eSc", "-o", "-", "--json",
        "--network", network.toString());
    JsonNode e = error(r, "get -o - --json", ExitCodes.USAGE);
    assertThat(e.get("reason").asText()).isEqualTo("CONFLICTING_OPTIONS");
    assertThat(e.get("message").asText()).contains("-o -").contains("--json");
  }

  /** What the shell sees: the exit status of a fresh {@code java} process, not only execute's return. */
  @Test
  void freshProcess_exitStatus_isTheDocumentedOne() throws Exception {
    Path state = home.resolve("fresh");
    assertThat(fresh("put", "--help").exit()).isEqualTo(ExitCodes.OK);
    CliHarness.Run missing = fresh("put", home.resolve("missing.txt").toString(), "--policy", POLICY, "--home",
        state.toString(), "--json");
    assertThat(missing.exit()).as(missing.err()).isEqualTo(ExitCodes.IO);
    assertThat(onlyDocument(missing, "a fresh put of a missing file").get("error").get("reason").asText())
        .isEqualTo("NO_SUCH_FILE");
    assertThat(fresh("policy", "grnt").exit()).isEqualTo(ExitCodes.USAGE);
  }

  private static CliHarness.Run fresh(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Cachet.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).start();
    p.getOutputStream().close();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("cachet %s ends", List.of(args)).isTrue();
    return new CliHarness.Run(p.exitValue(), out, err.get());
  }

  /** An error after the command had printed part of its answer: the error document is the only one. */
  @Test
  void failureAfterOutput_leavesOnlyTheErrorDocument() throws Exception {
    CliHarness.Run r = withHalfDone("half-done", "--json");
    JsonNode e = error(r, "half-done", ExitCodes.IO);
    assertThat(e.get("message").asText()).contains("the disk filled up");
    assertThat(withHalfDone("half-done").out()).as("without --json, lines are not held").contains("first half");
  }

  /** A bug (an exception no part of Cachet means to throw) is exit 70, said to be one. */
  @Test
  void bug_exitsInternalAskingForAReport() throws Exception {
    CliHarness.Run r = withHalfDone("half-done", "--json", "--bug");
    JsonNode e = error(r, "a bug", ExitCodes.INTERNAL);
    assertThat(e.get("reason").asText()).isEqualTo("INTERNAL");
    assertThat(e.get("message").asText()).contains("IllegalStateException").contains("a broken invariant");
    assertThat(e.get("hint").asText()).contains("report");
  }

  /** The command line with {@link HalfDone} added (writers set after, as setting them reaches subcommands). */
  private static CliHarness.Run withHalfDone(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cachet = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .addSubcommand(new HalfDone());
    cachet.setOut(new PrintWriter(out, true));
    cachet.setErr(new PrintWriter(err, true));
    int exit = cachet.execute(args);
    return new CliHarness.Run(exit, out.toString(), err.toString());
  }

  /** A command that prints half its answer and then fails, as a put might when the disk fills. */
  @Command(name = "half-done", description = "Print, then fail.")
  static final class HalfDone implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json")
    boolean json;

    @Option(names = "--bug")
    boolean bug;

    @Override
    public Integer call() throws Exception {
      spec.commandLine().getOut().println(json ? "{\"first\": \"half\"}" : "first half");
      if (bug) {
        throw new IllegalStateException("a broken invariant");
      }
      throw new IOException("the disk filled up");
    }
  }

  /** A descriptor naming a ledger, 3 key servers and a gateway on loopback ports nothing listens on. */
  private Path closedNetwork() throws Exception {
    String key = Base64Url.encode(Identity.generate(new SecureRandom()).verifyingKey().bytes());
    StringBuilder servers = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      servers.append(i > 1 ? "," : "").append("{\"id\":\"ks-").append(i).append("\",\"url\":\"http://127.0.0.1:")
          .append(closedPort()).append("\",\"signingKey\":\"")
          .append(Base64Url.encode(Identity.generate(new SecureRandom()).verifyingKey().bytes())).append("\"}");
    }
    String gateway = "http://127.0.0.1:" + closedPort();
    String descriptor = "{\"format\":\"cachet-network/1\",\"ledger\":{\"url\":\"http://127.0.0.1:" + closedPort()
        + "\",\"ledgerId\":\"closed\",\"sequencerKey\":\"" + key + "\"},\"keyServers\":{\"threshold\":2,\"servers\":["
        + servers + "]},\"storage\":{\"publisher\":\"" + gateway + "\",\"aggregator\":\"" + gateway + "\",\"epochs\":3}}";
    return Files.writeString(home.resolve("closed-network.json"), descriptor);
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static int occurrences(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }
}
