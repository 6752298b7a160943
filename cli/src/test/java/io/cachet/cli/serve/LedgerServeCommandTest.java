package io.cachet.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.SecondLane;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.Operation;
import io.cachet.policy.Transaction;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@code cachet ledger serve} as an operator runs it: each case starts the command as its own OS
 * process and judges it by its exit status, its output and its HTTP answers.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(SecondLane.LOCK)
class LedgerServeCommandTest {
  /** The argon2 cost of the test keystore: it guards a throw-away key, so the cheapest that opens. */
  private static final Keystore.KdfParams TEST_KDF = new Keystore.KdfParams(64, 1, 1);
  private static final Pattern SERVING = Pattern.compile(
      "event=ledger_serving ledger=(\\S+) url=(http://127\\.0\\.0\\.1:(\\d+)) height=(\\d+)");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  @TempDir Path dir;
  private Path data;
  private Path keystore;
  private Path passphrase;
  private Path config;
  private Identity sequencer;

  @BeforeEach
  void ledger() throws Exception {
    data = Files.createDirectories(dir.resolve("data"));
    passphrase = dir.resolve("ledger.pass");
    DurableFiles.write(passphrase, "correct horse\n".getBytes(StandardCharsets.UTF_8), true);
    sequencer = Identity.generate(new SecureRandom());
    keystore = data.resolve("sequencer.json");
    DurableFiles.write(keystore, Keystore.encrypt(sequencer, "correct horse".toCharArray(), TEST_KDF,
        new SecureRandom()), true);
    config = dir.resolve("ledger.conf");
    Files.writeString(config, String.join("\n",
        "# a test ledger",
        "ledger-id = test-ledger",
        "data-dir = " + data,
        "port = 0",
        "passphrase-file = " + passphrase,
        "heartbeat = 200ms",
        ""));
  }

  private ServeProcess serve(Map<String, String> env, String... more) throws Exception {
    return ServeProcess.start(dir, env, args(more));
  }

  /** {@code ledger serve --config=CONFIG} and {@code more}. */
  private String[] args(String... more) {
    String[] args = new String[3 + more.length];
    args[0] = "ledger";
    args[1] = "serve";
    args[2] = "--config=" + config;
    System.arraycopy(more, 0, args, 3, more.length);
    return args;
  }

  /** A start that must end by itself (a refusal, --check, --print-config): run in this JVM, as the command does. */
  private CommandRun refused(Map<String, String> env, String... more) throws Exception {
    return CommandRun.in(dir, env, args(more));
  }

  // ---------------------------------------------------------------- serving

  @Test
  void serve_healthMetricsAndTransaction_sigtermExitsZero_blockInJournalOnRestart() throws Exception {
    Identity owner = Identity.generate(new SecureRandom());
    long committedHeight;
    try (ServeProcess ledger = serve(Map.of())) {
      String url = ledger.await(SERVING).group(2);
      HttpResponse<String> health = get(url + "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(health.body()).getString("status")).isEqualTo("ok");
      HttpResponse<String> metrics = get(url + "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("cachet_ledger_height");

      JsonObject committed = submit(url, owner, 0);
      committedHeight = committed.getLong("height");
      assertThat(committedHeight).isPositive();

      ledger.terminate();
      assertThat(ledger.exit()).as(ledger.output()).isEqualTo(ExitCodes.OK);
      assertThat(ledger.output()).contains("event=ledger_stopped");
    }
    try (ServeProcess again = serve(Map.of())) {
      String url = again.await(SERVING).group(2);
      assertThat(Long.parseLong(again.await(SERVING).group(4))).isGreaterThanOrEqualTo(committedHeight);
      JsonObject nonce = new JsonObject(get(url + "/v1/accounts/" + owner.address() + "/nonce").body());
      assertThat(nonce.getLong("nextNonce")).as("the committed transaction survived the stop").isEqualTo(1L);
      again.terminate();
      assertThat(again.exit()).isEqualTo(ExitCodes.OK);
    }
  }

  @Test
  void serve_clockOffset_shiftsTheLedgerTimeOfNewBlocks() throws Exception {
    try (ServeProcess ledger = serve(Map.of(), "--set", "clock-offset=2h")) {
      String url = ledger.await(SERVING).group(2);
      long before = System.currentTimeMillis();
      JsonObject committed = submit(url, Identity.generate(new SecureRandom()), 0);
      long shift = committed.getLong("ledgerTime") - before;
      assertThat(shift).as("ledger time runs two hours ahead").isBetween(Duration.ofMinutes(110).toMillis(),
          Duration.ofMinutes(130).toMillis());
      ledger.terminate();
      assertThat(ledger.exit()).isEqualTo(ExitCodes.OK);
    }
  }

  // ---------------------------------------------------------------- start-up refusals

  @Test
  void serve_keystoreOpenToOthers_refusedNamingSequencerKeystore() throws Exception {
    Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-r--r--"));
    CommandRun p = refused(Map.of());
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.USAGE);
    assertThat(p.output()).contains("sequencer-keystore").contains("chmod 600").doesNotContain("event=ledger_serving");
  }

  @Test
  void serve_passphraseFileOpenToOthers_refusedNamingPassphraseFile() throws Exception {
    Files.setPosixFilePermissions(passphrase, PosixFilePermissions.fromString("rw-r-----"));
    CommandRun p = refused(Map.of());
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.USAGE);
    assertThat(p.output()).contains("passphrase-file").contains("chmod 600");
  }

  @Test
  void serve_missingDataDirectory_refusedNamingDataDir() throws Exception {
    CommandRun p = refused(Map.of(), "--set", "data-dir=" + dir.resolve("no-such-dir"),
        "--set", "sequencer-keystore=" + keystore);
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.USAGE);
    assertThat(p.output()).contains("data-dir").contains("does not exist");
    assertThat(dir.resolve("no-such-dir")).as("a mistyped path is not created").doesNotExist();
  }

  @Test
  void serve_portInUse_exitsFourNamingPort() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      CommandRun p = refused(Map.of(), "--set", "port=" + held.getLocalPort());
      // a busy resource, not a typo: exit 4 as for every part
      assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.IO);
      assertThat(p.output()).contains("port").contains(Integer.toString(held.getLocalPort()));
    }
  }

  @Test
  void serve_valueOutOfRange_refusedNamingKeyAndOrigin() throws Exception {
    CommandRun p = refused(Map.of("CACHET_LEDGER_PORT", "70000"));
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.USAGE);
    assertThat(p.output()).contains("port (from environment variable CACHET_LEDGER_PORT)").contains("0..65535");
  }

  @Test
  void serve_unknownKeyInFile_refusedNamingFileAndLine() throws Exception {
    Files.writeString(config, "hartbeat = 1s\n", java.nio.file.StandardOpenOption.APPEND);
    CommandRun p = refused(Map.of());
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.USAGE);
    assertThat(p.output()).contains("line 7").contains("unknown key 'hartbeat'");
  }

  @Test
  void serve_wrongPassphrase_exitsThree() throws Exception {
    CommandRun p = refused(Map.of("LEDGER_PASS", "wrong horse"), "--set", "passphrase-file=",
        "--set", "passphrase-env=LEDGER_PASS");
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.REFUSED);
  }

  @Test
  void serve_passphraseVariableUnset_refusedNamingPassphraseEnv() throws Exception {
    CommandRun p = refused(Map.of(), "--set", "passphrase-file=", "--set", "passphrase-env=LEDGER_PASS");
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.USAGE);
    assertThat(p.output()).contains("passphrase-env").contains("LEDGER_PASS");
  }

  @Test
  void serve_bothPassphraseSources_refusedNamingBoth() throws Exception {
    CommandRun p = refused(Map.of("CACHET_LEDGER_PASSPHRASE_ENV", "LEDGER_PASS"));
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.USAGE);
    assertThat(p.output()).contains("passphrase-env (from environment variable CACHET_LEDGER_PASSPHRASE_ENV)")
        .contains("passphrase-file (from " + config + " line 5)");
  }

  // ---------------------------------------------------------------- the dry runs

  @Test
  void check_goodConfiguration_exitsZeroWithoutServing() throws Exception {
    CommandRun p = refused(Map.of(), "--check");
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.OK);
    assertThat(p.output()).contains("configuration checked").contains(sequencer.verifyingKey().toString())
        .doesNotContain("event=ledger_serving");
    assertThat(data.resolve("ledger.journal")).as("a check opens no ledger").doesNotExist();
  }

  @Test
  void check_relativePathsInTheFile_areReadFromTheFilesDirectory_notTheWorkingDirectory() throws Exception {
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Path relative = etc.resolve("ledger.conf");
    Files.writeString(relative, "ledger-id = test-ledger\ndata-dir = ../data\nport = 0\npassphrase-file = ../ledger.pass\n");
    // the process runs in dir, where ../data names nothing
    CommandRun p = CommandRun.in(dir, Map.of(), "ledger", "serve", "--config", relative.toString(), "--check");
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.OK);
    CommandRun printed = CommandRun.in(dir, Map.of(), "ledger", "serve", "--config", relative.toString(),
        "--print-config");
    assertThat(printed.out()).contains("data-dir = " + data.toAbsolutePath() + "\n")
        .contains("passphrase-file = " + passphrase.toAbsolutePath() + "\n");
  }

  @Test
  void printConfig_setOverEnvironmentOverFile_everyKeyNoSecret() throws Exception {
    CommandRun p = refused(Map.of("CACHET_LEDGER_HEARTBEAT", "2s", "CACHET_LEDGER_HOST", "127.0.0.2"),
        "--set", "heartbeat=3s", "--print-config");
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.OK);
    String printed = p.output();
    assertThat(printed).contains("heartbeat = 3s").contains("host = 127.0.0.2").contains("port = 0")
        .contains("clock-offset = 0s").contains("sequencer-keystore = " + keystore)
        .contains("max-in-flight-per-address = 256").doesNotContain("correct horse");
    for (String key : LedgerSettings.KEYS) {
      assertThat(printed).contains(key + " =");
    }
    // what it printed loads to the same configuration
    Files.writeString(config, printed.lines().filter(l -> l.startsWith("#") || l.contains(" = "))
        .reduce("", (a, b) -> a + b + "\n"));
    CommandRun again = refused(Map.of(), "--print-config");
    assertThat(again.exit()).as(again.output()).isEqualTo(ExitCodes.OK);
    assertThat(again.output()).isEqualTo(printed);
  }

  // ---------------------------------------------------------------- helpers

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Submits a new allow-list by {@code owner} as a client does, and returns the ledger's receipt. */
  private static JsonObject submit(String url, Identity owner, long nonce) throws Exception {
    JsonObject head = new JsonObject(get(url + "/v1/head").body());
    LedgerRef ledger = new LedgerRef(head.getString("ledgerId"),
        LedgerRef.parseGenesisDigest(head.getString("genesisDigest"), "genesisDigest"));
    Transaction tx = Transaction.sign(owner, ledger, nonce, new Operation.CreateAllowList());
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/transactions?wait=true"))
        .timeout(Duration.ofSeconds(60)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
            .put("transaction", Base64Url.encode(tx.encoded())).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }
}
