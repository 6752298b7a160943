package io.cachet.cli.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.SecondLane;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.network.NetworkLayout;
import io.cachet.common.http.RawHttp;
import io.cachet.common.process.PartProcess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@code cachet devnet up --processes}: twelve real OS processes, killed and started again through
 * the commands a person types, while put and get run through the CLI unchanged against the devnet's
 * descriptor. One devnet for the class (a first start is some 20 to 80 s, by the machine's load);
 * its tests run in order, the second starting it again from its files.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(SecondLane.LOCK)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessDevnetTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long a killed process may take to be reaped by the kernel. */
  private static final Duration GONE = Duration.ofSeconds(30);

  @TempDir static Path home;
  static Path pass;
  static Path dir;
  static JsonNode up;
  /**
   * Every part process seen, to be sure none outlives the class even if a step fails. Handles taken
   * while the process lived, not pids: a handle checks the process's start time before it kills,
   * so a pid the kernel has since given to another process is left alone.
   */
  static final List<ProcessHandle> seen = new ArrayList<>();
  /** The blob the first test stored, and its bytes, which the second reads back after a restart. */
  static String blob;
  static byte[] data;
  static String ledgerUrl;

  @BeforeAll
  static void up() throws Exception {
    dir = home.resolve("devnet");
    CommandRun r = cachet("devnet", "up", "--processes", "--json");
    assertThat(r.exit()).as(r.err() + r.out()).isEqualTo(ExitCodes.OK);
    up = JSON.readTree(r.out());
    pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    for (String who : List.of("alice", "bob")) {
      TestIdentities.ed25519(home, who, pass);
    }
  }

  @AfterAll
  static void down() {
    cachet("devnet", "down");
    for (ProcessHandle p : seen) {
      p.destroyForcibly();
    }
  }

  /** Keeps a handle of each process in {@code pids} that runs now. */
  private static void see(Collection<Long> pids) {
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(seen::add);
    }
  }

  @Test
  @Order(1)
  void processes_killedAndRestarted_getToleratesWhatTheNetworkDoes() throws Exception {
    // up: twelve parts, each a live process of its own, none of them the daemon
    long daemon = up.path("pid").asLong();
    assertThat(up.path("mode").asText()).isEqualTo("processes");
    Map<String, Long> pids = pids(up);
    see(pids.values());
    assertThat(pids.keySet()).hasSize(12).contains("ledger", "gateway", "ks-1", "ks-3", "node-0", "node-6");
    assertThat(pids.values()).doesNotHaveDuplicates().doesNotContain(daemon, ProcessHandle.current().pid())
        .allMatch(ProcessDevnetTest::alive);
    JsonNode status = status();
    for (JsonNode p : status.path("parts")) {
      assertThat(p.path("state").asText()).as(p.toString()).isEqualTo("running");
      assertThat(p.path("health").asText()).as(p.toString()).isNotIn("no answer", "-");
    }
    assertThat(status.path("ledgerHeight").asLong()).isGreaterThanOrEqualTo(0);
    assertViewerLetIn(up.path("viewerUrl").asText(), status);
    assertThat(cachet("devnet", "status").out()).contains("ks-2").contains("running")
        .contains("pid " + pids.get("ks-2"));

    // put and get through the CLI, with no --network: the devnet's descriptor as on any devnet
    String policy = ok("alice", "policy", "create").out().trim();
    ok("alice", "policy", "grant", policy, "bob");
    data = new byte[300_000];
    new Random(16).nextBytes(data);
    Path file = home.resolve("data.bin");
    Files.write(file, data);
    ledgerUrl = part(status, "ledger").path("url").asText();
    blob = JSON.readTree(ok("alice", "put", file.toString(), "--policy", policy, "--json").out())
        .path("blobId").asText();
    assertGets(blob, data);

    // one key server killed: 2 of 3 still open the file
    CommandRun kill = cachet("devnet", "stop", "ks-2", "--kill", "--json");
    assertThat(kill.exit()).as(kill.err()).isEqualTo(ExitCodes.OK);
    assertThat(JSON.readTree(kill.out()).path("exitCode").asInt()).isEqualTo(PartProcess.SIGKILL_EXIT);
    assertThat(gone(pids.get("ks-2"))).isTrue();
    assertThat(part(status(), "ks-2").path("state").asText()).isEqualTo("killed");
    assertThat(recorded()).doesNotContainKey("ks-2").containsKey("ks-1");
    assertGets(blob, data);

    // a second one killed: below the threshold, refused naming the servers that did not answer
    assertThat(cachet("devnet", "stop", "ks-3", "--kill").out()).contains("ks-3 killed (exit code 137)");
    assertThat(gone(pids.get("ks-3"))).isTrue();
    CommandRun refused = as("bob", "get", blob, "-o", home.resolve("refused.bin").toString());
    assertThat(refused.exit()).as(refused.err()).isEqualTo(ExitCodes.IO);
    assertThat(refused.err()).contains("ks-2").contains("ks-3").contains("connection refused");

    // started again from their files, on their ports: the file opens
    for (String ks : List.of("ks-2", "ks-3")) {
      CommandRun start = cachet("devnet", "start", ks, "--json");
      assertThat(start.exit()).as(start.err()).isEqualTo(ExitCodes.OK);
      JsonNode p = part(JSON.readTree(start.out()), ks);
      assertThat(p.path("state").asText()).isEqualTo("running");
      assertThat(p.path("pid").asLong()).isNotEqualTo(pids.get(ks));
      see(List.of(p.path("pid").asLong()));
    }
    assertGets(blob, data);

    // a storage node killed, and another dying on its own: f = 2 of 7, the blob still reads
    cachet("devnet", "stop", "node-1", "--kill");
    assertThat(gone(pids.get("node-1"))).isTrue();
    ProcessHandle.of(pids.get("node-2")).orElseThrow().destroyForcibly();
    assertThat(gone(pids.get("node-2"))).isTrue();
    JsonNode after = status();
    assertThat(part(after, "node-1").path("state").asText()).isEqualTo("killed");
    assertThat(part(after, "node-2").path("state").asText()).as("not restarted behind the user's back")
        .isEqualTo("exited (code 137)");
    assertThat(part(after, "node-2").path("running").asBoolean()).isFalse();
    assertGets(blob, data);

    // a polite stop: SIGTERM, a clean exit 0
    CommandRun stop = cachet("devnet", "stop", "ks-1", "--json");
    assertThat(stop.exit()).as(stop.err()).isEqualTo(ExitCodes.OK);
    assertThat(JSON.readTree(stop.out()).path("exitCode").asInt()).isZero();
    assertThat(part(JSON.readTree(stop.out()), "ks-1").path("state").asText()).isEqualTo("stopped");

    CommandRun unknown = cachet("devnet", "stop", "ks-9", "--kill");
    assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).contains("no part named 'ks-9'").contains("gateway");
    assertThat(cachet("devnet", "start", "node-9", "--json").out()).contains("\"BAD_PART\"");

    // a part whose files keep it from starting: 503 PART_DID_NOT_START from the daemon, exit 4, not 2
    Path config = NetworkLayout.open(dir.resolve(ProcessDevnet.LAYOUT_DIR)).part("node-1").config();
    byte[] good = Files.readAllBytes(config);
    Files.writeString(config, "this is not a node's configuration\n");
    CommandRun broken;
    try {
      broken = cachet("devnet", "start", "node-1", "--json");
    } finally {
      Files.write(config, good);
    }
    assertThat(broken.exit()).as(broken.err() + broken.out()).isEqualTo(ExitCodes.IO);
    assertThat(broken.out() + broken.err()).contains(PartDidNotStartException.REASON).contains("node-1 did not start");
    assertThat(part(status(), "node-1").path("running").asBoolean()).isFalse();
    assertThat(recorded()).as("the failed start's pid is not left in devnet.json").doesNotContainKey("node-1");

    // the key servers' audit logs, where 'audit verify' finds a devnet's
    CommandRun audit = cachet("audit", "verify", "--json");
    assertThat(audit.exit()).as(audit.err() + audit.out()).isEqualTo(ExitCodes.OK);
    assertThat(JSON.readTree(audit.out()).path("logs")).hasSize(3);

    // down: SIGTERM to every part, then the daemon ends; no process outlives it
    Map<String, Long> last = recorded();
    assertThat(last).hasSize(12 - 3);
    CommandRun down = cachet("devnet", "down", "--json");
    assertThat(down.exit()).as(down.err()).isEqualTo(ExitCodes.OK);
    for (long pid : last.values()) {
      assertThat(gone(pid)).as("pid " + pid).isTrue();
    }
    assertThat(gone(daemon)).isTrue();
    assertThat(recorded()).isEmpty();
  }

  @Test
  @Order(2)
  void daemonKilled_partsOrphaned_downStopsThem_andUpKeepsTheMode() throws Exception {
    // up without --processes: the devnet keeps the mode it was made with, its ports and its blobs
    CommandRun again = cachet("devnet", "up", "--json");
    assertThat(again.exit()).as(again.err()).isEqualTo(ExitCodes.OK);
    JsonNode status = JSON.readTree(again.out());
    assertThat(status.path("mode").asText()).isEqualTo("processes");
    assertThat(part(status, "ledger").path("url").asText()).isEqualTo(ledgerUrl);
    Map<String, Long> pids = pids(status);
    see(pids.values());
    assertGets(blob, data);

    // the daemon dies without a word: its parts run on, recorded in devnet.json
    long daemon = status.path("pid").asLong();
    ProcessHandle.of(daemon).orElseThrow().destroyForcibly();
    assertThat(gone(daemon)).isTrue();
    assertThat(recorded()).isEqualTo(pids);
    assertThat(pids.values()).allMatch(ProcessDevnetTest::alive);

    // down finds no daemon, and stops the orphans by their recorded pids
    CommandRun down = cachet("devnet", "down", "--json");
    assertThat(down.exit()).as(down.err()).isEqualTo(ExitCodes.OK);
    assertThat(JSON.readTree(down.out()).path("orphans")).hasSize(12);
    for (long pid : pids.values()) {
      assertThat(gone(pid)).as("pid " + pid).isTrue();
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The daemon serves the viewer page, and the parts a page calls were started with {@code --set
   * cors-origins=} its origin: preflights from it pass, from elsewhere they are refused.
   */
  private static void assertViewerLetIn(String viewerUrl, JsonNode status) throws Exception {
    assertThat(viewerUrl).matches("http://127\\.0\\.0\\.1:[0-9]+/");
    assertThat(status.path("viewerUrl").asText()).isEqualTo(viewerUrl);
    String page = viewerUrl.substring(0, viewerUrl.length() - 1);
    RawHttp.Answer network = RawHttp.exchange(URI.create(viewerUrl).getPort(), "GET", "/network.json");
    assertThat(network.status()).isEqualTo(200);
    assertThat(network.body()).isEqualTo(Files.readString(dir.resolve("cachet-network.json")));
    assertThat(network.header("Content-Security-Policy")).contains("script-src 'self'");
    for (String[] call : new String[][] {{"ks-1", "/v1/fetch_key", "POST"}, {"gateway", "/v1/blobs/abc", "GET"},
        {"ledger", "/v1/head", "GET"}}) {
      int port = URI.create(part(status, call[0]).path("url").asText()).getPort();
      RawHttp.Answer allowed = RawHttp.exchange(port, "OPTIONS", call[1], "Origin: " + page,
          "Access-Control-Request-Method: " + call[2]);
      assertThat(allowed.status()).as(call[0]).isEqualTo(204);
      assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo(page);
      RawHttp.Answer other = RawHttp.exchange(port, "OPTIONS", call[1], "Origin: http://127.0.0.1:1",
          "Access-Control-Request-Method: " + call[2]);
      assertThat(other.status()).as(call[0]).isEqualTo(403);
    }
  }

  private static CommandRun cachet(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--home", home.toString()));
    return CommandRun.of(all.toArray(String[]::new));
  }

  private static CommandRun as(String who, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--as", who, "--passphrase-file", pass.toString()));
    return cachet(all.toArray(String[]::new));
  }

  private static CommandRun ok(String who, String... args) {
    CommandRun r = as(who, args);
    assertThat(r.exit()).as("cachet %s: %s", String.join(" ", args), r.err()).isEqualTo(ExitCodes.OK);
    return r;
  }

  private static void assertGets(String blob, byte[] data) throws Exception {
    Path out = home.resolve("back.bin");
    Files.deleteIfExists(out);
    ok("bob", "get", blob, "-o", out.toString());
    assertThat(Files.readAllBytes(out)).isEqualTo(data);
  }

  private static JsonNode status() throws Exception {
    CommandRun r = cachet("devnet", "status", "--json");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    return JSON.readTree(r.out());
  }

  private static JsonNode part(JsonNode status, String name) {
    for (JsonNode p : status.path("parts")) {
      if (p.path("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError("no part " + name + " in " + status);
  }

  private static Map<String, Long> pids(JsonNode status) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (JsonNode p : status.path("parts")) {
      m.put(p.path("name").asText(), p.path("pid").asLong(-1));
    }
    return m;
  }

  /** The part processes devnet.json records as running, by name. */
  private static Map<String, Long> recorded() throws Exception {
    Map<String, Long> m = new LinkedHashMap<>();
    JSON.readTree(dir.resolve("devnet.json").toFile()).path("parts").fields()
        .forEachRemaining(e -> m.put(e.getKey(), e.getValue().path("pid").asLong()));
    return m;
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** True once {@code pid} has ended (waiting up to {@link #GONE} for the kernel to reap it). */
  private static boolean gone(long pid) throws Exception {
    var h = ProcessHandle.of(pid);
    if (h.isEmpty()) {
      return true;
    }
    try {
      h.get().onExit().get(GONE.toSeconds(), TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    }
  }
}
