package io.cachet.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.serve.ServeProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * docs/DEPLOY.md followed as a person follows it, rehearsed on one machine: the three machines'
 * directories made from {@code docs/deploy/} as committed, the commands of "Order of first start,
 * step by step" run in the guide's order, each one checked to be in the guide word for word and
 * run in its machine's directory (the one-shot commands in this JVM, their relative paths read
 * from that directory as a shell there would), every {@code serve} its own OS process on the guide's fixed
 * ports of 127.0.0.11 to 127.0.0.13 (twelve processes: the ledger, seven nodes, the gateway,
 * three key servers). Then a user, through the CLI and the descriptor the guide made: a put under
 * a new allow-list, a grant, a get (the bytes equal), a revoke and a get refused; and SIGTERM to
 * every part, each exiting 0 with its {@code event=<part>_stopped} line. It keeps both cores busy
 * while the parts start, so it runs with nothing beside it.
 */
@Isolated
class DeployGuideTest {
  /** The guide's loopback address of each machine. */
  private static final Map<String, String> MACHINES = Map.of("m1", "127.0.0.11", "m2", "127.0.0.12",
      "m3", "127.0.0.13");
  /** Which machine runs which node, as the guide's layout table says. */
  private static final List<String> NODE_MACHINES = List.of("m1", "m1", "m1", "m2", "m2", "m3", "m3");
  /** How long the key servers may take to serve a view of the ledger the status check accepts. */
  private static final Duration SETTLE = Duration.ofSeconds(60);
  /** How long a grant or a revoke may take to reach the key servers' views. */
  private static final Duration DECIDED = Duration.ofSeconds(30);

  private static final String LEDGER_INIT =
      "cachet ledger init --data-dir ledger --ledger-id main --passphrase-file ledger.pass > ledger.lines";
  private static final String GENESIS_FROM_LINES = "\"$(sed -n 's/^genesis-digest = //p' ledger.lines)\"";
  private static final String NETWORK_INIT = "cachet network init kit --nodes 7 --node-url http://127.0.0.11:7501"
      + " http://127.0.0.11:7502 http://127.0.0.11:7503 http://127.0.0.12:7501 http://127.0.0.12:7502"
      + " http://127.0.0.13:7501 http://127.0.0.13:7502 --gateway-host 127.0.0.11 --gateway-port 7500 --ledger-url"
      + " http://127.0.0.11:7300 --ledger-id main --ledger-genesis " + GENESIS_FROM_LINES
      + " --passphrase-file gateway.pass";
  private static final String HAND_OUT_LINES = "scp ledger.lines m2:/srv/cachet/ && scp ledger.lines m3:/srv/cachet/";
  private static final String HAND_OUT_NODES = "scp -rp kit/node-3 kit/node-4 m2:/srv/cachet/ && scp -rp kit/node-5"
      + " kit/node-6 m3:/srv/cachet/";
  private static final String DROP_COPIES = "rm -r kit/node-3 kit/node-4 kit/node-5 kit/node-6";
  private static final String APPEND_LINES =
      "grep -E '^(ledger-id|sequencer-key|genesis-digest) = ' ledger.lines >> ks-1.conf";
  private static final String KS_DATA_DIR = "mkdir -m 700 ks-1";
  private static final String LEDGER_SERVE = "cachet ledger serve --config ledger.conf";
  private static final String NODE_SERVE_M1 = "cachet node serve --config kit/node-0/node.conf";
  private static final String NODE_SERVE_OTHER = "cachet node serve --config node-3/node.conf";
  private static final String GATEWAY_SERVE = "cachet gateway serve --config kit/gateway/gateway.conf";
  private static final String KS_SERVE = "cachet keyserver serve --config ks-1.conf";
  private static final String DESCRIPTOR = "cachet network descriptor --ledger-url http://127.0.0.11:7300"
      + " --ledger-lines ledger.lines --threshold 2 --gateway-url http://127.0.0.11:7500 --key-server"
      + " http://127.0.0.11:7400 http://127.0.0.12:7400 http://127.0.0.13:7400 -o cachet-network.json";
  private static final String STATUS = "cachet status --network cachet-network.json";

  @TempDir
  Path root;

  /** Every part started, with the event its stop logs. */
  private final Map<ServeProcess, String> parts = new LinkedHashMap<>();

  @AfterEach
  void killLeftovers() throws InterruptedException {
    for (ServeProcess p : parts.keySet()) {
      p.process().destroyForcibly();
    }
    for (ServeProcess p : parts.keySet()) {
      p.process().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void guide_followedOnLoopback_putGrantGetRevokeThroughEveryPartsOwnProcess() throws Exception {
    String guide = guide();
    checkPortsFree();
    Path m1 = machine("m1");
    Path m2 = machine("m2");
    Path m3 = machine("m3");

    // 1. the passphrase files, 0600
    for (String secret : List.of("ledger", "gateway", "ks-1")) {
      passphraseFile(m1.resolve(secret + ".pass"));
    }
    passphraseFile(m2.resolve("ks-2.pass"));
    passphraseFile(m3.resolve("ks-3.pass"));

    // 2. the ledger's keystore and genesis; its lines to ledger.lines
    String[] init = in(guide, LEDGER_INIT).split(" > ");
    CommandRun ledgerInit = CommandRun.of(in(m1, init[0], "--data-dir", "--passphrase-file"));
    assertThat(ledgerInit.exit()).as(ledgerInit.err()).isZero();
    Files.writeString(m1.resolve(init[1]), ledgerInit.out());
    String genesis = Files.readAllLines(m1.resolve("ledger.lines")).stream()
        .filter(l -> l.startsWith("genesis-digest = ")).map(l -> l.substring("genesis-digest = ".length()))
        .findFirst().orElseThrow(() -> new AssertionError("no genesis-digest line:\n" + ledgerInit.out()));

    // 3. the storage kit
    CommandRun kit = CommandRun.of(in(m1, in(guide, NETWORK_INIT).replace(GENESIS_FROM_LINES, genesis), "init",
        "--passphrase-file"));
    assertThat(kit.exit()).as(kit.err()).isZero();

    // 4. the ledger's lines and the other machines' nodes handed out (scp, then rm: a move here)
    in(guide, HAND_OUT_LINES);
    in(guide, HAND_OUT_NODES);
    in(guide, DROP_COPIES);
    for (Path other : List.of(m2, m3)) {
      Files.copy(m1.resolve("ledger.lines"), other.resolve("ledger.lines"));
    }
    for (int i = 3; i < NODE_MACHINES.size(); i++) {
      Files.move(m1.resolve("kit/node-" + i), root.resolve(NODE_MACHINES.get(i)).resolve("node-" + i));
    }

    // 5. each key server's file gets the ledger's three lines; its data directory
    in(guide, APPEND_LINES);
    in(guide, KS_DATA_DIR);
    for (int i = 1; i <= 3; i++) {
      Path m = machine("m" + i);
      String lines = Files.readAllLines(m.resolve("ledger.lines")).stream()
          .filter(l -> l.matches("^(ledger-id|sequencer-key|genesis-digest) = .*"))
          .collect(Collectors.joining("\n", "", "\n"));
      Files.writeString(m.resolve("ks-" + i + ".conf"), lines, StandardOpenOption.APPEND);
      Files.createDirectory(m.resolve("ks-" + i), PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }

    // 6.-9. every part its own process, in the guide's order
    ServeProcess ledger = serve(m1, in(guide, LEDGER_SERVE), "ledger");
    in(guide, NODE_SERVE_M1);
    in(guide, NODE_SERVE_OTHER);
    List<ServeProcess> nodes = new ArrayList<>();
    for (int i = 0; i < NODE_MACHINES.size(); i++) {
      String config = (i < 3 ? "kit/node-" : "node-") + i + "/node.conf";
      nodes.add(serve(root.resolve(NODE_MACHINES.get(i)), "cachet node serve --config " + config, "node"));
    }
    // each part is started in the guide's order, without waiting for the one before to serve: none
    // needs another at start (the gateway and the key servers ask again), so the JVMs start side by side
    ServeProcess gateway = serve(m1, in(guide, GATEWAY_SERVE), "gateway");
    in(guide, KS_SERVE);
    List<ServeProcess> keyServers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      keyServers.add(serve(machine("m" + i), "cachet keyserver serve --config ks-" + i + ".conf", "keyserver"));
    }
    ledger.awaitLog("event=ledger_serving");
    for (ServeProcess n : nodes) {
      n.awaitLog("event=node_serving");
    }
    gateway.awaitLog("event=gateway_serving");
    assertThat(gateway.err()).contains("ledger=main");
    for (ServeProcess k : keyServers) {
      k.awaitLog("event=keyserver_serving");
    }

    // 10. the clients' descriptor, from the parts themselves
    CommandRun descriptor = CommandRun.of(in(m1, in(guide, DESCRIPTOR), "--ledger-lines", "-o"));
    assertThat(descriptor.exit()).as(descriptor.err()).isZero();
    Path network = m1.resolve("cachet-network.json");
    assertThat(Files.readString(network)).contains("\"ledgerId\" : \"main\"").contains("http://127.0.0.13:7400");

    // 11. every part answers and every key server serves
    Path home = root.resolve("user");
    in(guide, STATUS);
    CommandRun status = within(SETTLE, ExitCodes.OK, "status", "--network", network.toString(), "--home",
        home.toString());
    assertThat(status.exit()).as(status.out() + status.err()).isEqualTo(ExitCodes.OK);

    user(home, network);

    for (ServeProcess p : parts.keySet()) {
      p.terminate();
    }
    for (Map.Entry<ServeProcess, String> p : parts.entrySet()) {
      assertThat(p.getKey().exit()).as(p.getValue() + ":\n" + p.getKey().err()).isZero();
      assertThat(p.getKey().err()).contains("event=" + p.getValue() + "_stopped");
    }
  }

  @Test
  void guide_showsTheCommittedFilesAsTheyAre() throws IOException {
    String guide = guide();
    Path deploy = Path.of("..", "docs", "deploy");
    String ledger = Files.readString(deploy.resolve("m1/ledger.conf"));
    String ks1 = Files.readString(deploy.resolve("m1/ks-1.conf"));
    assertThat(guide).as("DEPLOY.md's ledger example is m1/ledger.conf").contains(ledger);
    assertThat(guide).as("DEPLOY.md's key server example is m1/ks-1.conf").contains(ks1);
    for (int i = 2; i <= 3; i++) {
      assertThat(Files.readString(deploy.resolve("m" + i + "/ks-" + i + ".conf")))
          .as("ks-%d.conf differs from ks-1.conf only in the name and the address, as DEPLOY.md says", i)
          .isEqualTo(ks1.replace("ks-1", "ks-" + i).replace("on m1 (127.0.0.11)", "on m" + i + " (127.0.0.1" + i + ")")
              .replace("host = 127.0.0.11", "host = 127.0.0.1" + i));
    }
  }

  @Test
  void guide_portHeldByAnotherProcess_failsNamingThePortBeforeStartingAnything() throws Exception {
    try (ServerSocket held = new ServerSocket()) {
      held.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.12"), 7400));
      assertThatThrownBy(DeployGuideTest::checkPortsFree).isInstanceOf(AssertionError.class)
          .hasMessageContaining("port 127.0.0.12:7400 (machine m2");
    }
    assertThat(parts).isEmpty();
  }

  /** A put under a new allow-list, a grant, a get, a revoke and a get refused, as a person types them. */
  private static void user(Path home, Path network) throws Exception {
    Path pass = home.resolve("pass.txt");
    Files.createDirectories(home);
    Files.writeString(pass, "the user's passphrase\n");
    TestIdentities.ed25519(home, "alice", pass);
    TestIdentities.ed25519(home, "bob", pass);
    String[] user = {"--network", network.toString(), "--home", home.toString(), "--passphrase-file",
        pass.toString()};

    CommandRun create = CommandRun.of(with(user, "policy", "create", "--as", "alice"));
    assertThat(create.exit()).as(create.err()).isEqualTo(ExitCodes.OK);
    String policy = create.out().strip();
    byte[] report = new byte[300 * 1024 + 7];
    new Random(16).nextBytes(report);
    Path file = home.resolve("report.bin");
    Files.write(file, report);
    CommandRun put = CommandRun.of(with(user, "put", file.toString(), "--policy", policy, "--no-progress",
        "--as", "alice"));
    assertThat(put.exit()).as(put.err()).isEqualTo(ExitCodes.OK);
    String blob = put.out().strip();

    CommandRun grant = CommandRun.of(with(user, "policy", "grant", policy, "bob", "--as", "alice"));
    assertThat(grant.exit()).as(grant.err()).isEqualTo(ExitCodes.OK);
    Path got = home.resolve("got.bin");
    CommandRun get = within(DECIDED, ExitCodes.OK, with(user, "get", blob, "-o", got.toString(), "--as", "bob"));
    assertThat(get.exit()).as(get.err()).isEqualTo(ExitCodes.OK);
    assertThat(Files.readAllBytes(got)).isEqualTo(report);

    CommandRun revoke = CommandRun.of(with(user, "policy", "revoke", policy, "bob", "--as", "alice"));
    assertThat(revoke.exit()).as(revoke.err()).isEqualTo(ExitCodes.OK);
    Path late = home.resolve("late.bin");
    CommandRun refused = within(DECIDED, ExitCodes.REFUSED, with(user, "get", blob, "-o", late.toString(),
        "--as", "bob"));
    assertThat(refused.exit()).as(refused.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(refused.err()).contains("(NOT_A_MEMBER)");
    assertThat(late).doesNotExist();
  }

  // ---------------------------------------------------------------- the guide

  /** DEPLOY.md with its continued lines joined, as a shell reads them. */
  private static String guide() throws IOException {
    return Files.readString(Path.of("..", "docs", "DEPLOY.md")).replaceAll("\\\\\n\\s*", "");
  }

  /** {@code command}, after checking that the guide shows it word for word. */
  private static String in(String guide, String command) {
    assertThat(guide).as("docs/DEPLOY.md shows this command as it is").contains(command);
    return command;
  }

  /** A {@code cachet …} line's arguments. */
  private static String[] args(String command) {
    assertThat(command).startsWith("cachet ");
    return command.substring("cachet ".length()).strip().split(" +");
  }

  /**
   * A {@code cachet …} line's arguments as run in this JVM in the machine's directory {@code dir}:
   * the one path after each of {@code pathsAfter} is read from {@code dir}, as the shell in that
   * directory would read it; nothing else changes.
   */
  private static String[] in(Path dir, String command, String... pathsAfter) {
    String[] args = args(command);
    for (int i = 0; i + 1 < args.length; i++) {
      if (List.of(pathsAfter).contains(args[i])) {
        args[i + 1] = dir.resolve(args[i + 1]).toString();
      }
    }
    return args;
  }

  /** Machine {@code name}'s {@code /srv/cachet}: its directory of {@code docs/deploy/}, copied as it is. */
  private Path machine(String name) throws IOException {
    Path dir = root.resolve(name);
    if (!Files.exists(dir)) {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      try (Stream<Path> files = Files.list(Path.of("..", "docs", "deploy", name))) {
        for (Path f : files.toList()) {
          Files.copy(f, dir.resolve(f.getFileName().toString()), StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return dir;
  }

  /** What {@code head -c 24 /dev/urandom | base64 > FILE} under {@code umask 077} writes. */
  private static void passphraseFile(Path file) throws IOException {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, Base64.getEncoder().encodeToString(random) + "\n");
  }

  /** Fails naming the port if any port of the layout is held, before a part that could not listen is started. */
  private static void checkPortsFree() throws IOException {
    Map<String, List<Integer>> ports = Map.of("m1", List.of(7300, 7400, 7500, 7501, 7502, 7503),
        "m2", List.of(7400, 7501, 7502), "m3", List.of(7400, 7501, 7502));
    for (Map.Entry<String, List<Integer>> m : ports.entrySet()) {
      InetAddress address = InetAddress.getByName(MACHINES.get(m.getKey()));
      for (int port : m.getValue()) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(address, port));
        } catch (IOException e) {
          throw new AssertionError("port " + address.getHostAddress() + ":" + port + " (machine " + m.getKey()
              + " of the guide's layout) is held by another process: " + e.getMessage()
              + "; the guide's ports are fixed, free it and run again");
        }
      }
    }
  }

  private ServeProcess serve(Path dir, String command, String part) throws IOException {
    ServeProcess p = ServeProcess.start(dir, Map.of(), args(command));
    parts.put(p, part);
    return p;
  }

  // ---------------------------------------------------------------- the user

  private static String[] with(String[] common, String... args) {
    String[] all = Arrays.copyOf(args, args.length + common.length);
    System.arraycopy(common, 0, all, args.length, common.length);
    return all;
  }

  /** Runs the command until it exits {@code exit}, or returns its last run after {@code limit}. */
  private static CommandRun within(Duration limit, int exit, String... args) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      CommandRun r = CommandRun.of(args);
      if (r.exit() == exit || System.nanoTime() > deadline) {
        return r;
      }
      Thread.sleep(250);
    }
  }
}
