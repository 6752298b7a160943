package io.cachet.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Launcher;
import io.cachet.cli.SecondLane;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@code cachet agent} through real processes: an agent on a real Unix socket in this JVM, next
 * to a devnet of real servers, and every command a separate {@code java} process started through
 * the jar's main class ({@link Launcher}), with its own environment and working directory.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(SecondLane.LOCK)
class AgentCliTest {
  @TempDir static Path home;
  static Devnet devnet;
  static AgentServer agent;
  static Path pass;
  static String policy;
  static String blob;
  static byte[] content;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the agent test\n");
    TestIdentities.ed25519(home, "alice", pass);
    StringWriter created = new StringWriter();
    assertThat(Cachet.newCommandLine(new PrintWriter(created, true), new PrintWriter(new StringWriter(), true))
        .execute("policy", "create", "--as", "alice", "--passphrase-file", pass.toString(), "--home", home.toString()))
        .isZero();
    policy = created.toString().trim();
    assertThat(inJvm("policy", "grant", policy, "alice", "--as", "alice", "--passphrase-file", pass.toString())).isZero();
    content = new byte[1500];
    new Random(7).nextBytes(content);
    content[0] = '\n';
    content[1] = '\r';
    Path file = home.resolve("small.bin");
    Files.write(file, content);
    StringWriter put = new StringWriter();
    assertThat(Cachet.newCommandLine(new PrintWriter(put, true), new PrintWriter(new StringWriter(), true))
        .execute("put", file.toString(), "--policy", policy, "--as", "alice", "--passphrase-file", pass.toString(),
            "--home", home.toString())).isZero();
    blob = put.toString().trim();
    agent = AgentServer.start(home, Duration.ofHours(1), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    if (agent != null) {
      agent.close();
    }
    devnet.close();
  }

  @BeforeEach
  void nothingHeld() {
    agent.lock();
  }

  static int inJvm(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--home", home.toString()));
    return Cachet.newCommandLine(new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true))
        .execute(all.toArray(String[]::new));
  }

  record Run(int exit, byte[] stdout, String err) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  /** {@code cachet args} as a separate process in {@code cwd}, its home given by CACHET_HOME. */
  static Run cachet(Path cwd, Map<String, String> extraEnv, String... args) throws Exception {
    return cachet(cwd, System.getProperty("java.class.path"), extraEnv, args);
  }

  /** The test's class path with every entry relative to {@code cwd}, as `java -jar cli/target/cachet.jar` has it. */
  static String relativeClassPath(Path cwd) {
    List<String> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      entries.add(cwd.toAbsolutePath().relativize(Path.of(e).toAbsolutePath()).toString());
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  static Run cachet(Path cwd, String classPath, Map<String, String> extraEnv, String... args) throws Exception {
    // C1 and the serial collector, as ./cachet runs short commands: these processes start many times
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:+DisplayVMOutputToStderr", "-Dlogback.configurationFile=logback.xml",
        "-cp", classPath, Launcher.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    pb.environment().remove("CACHET_PASSPHRASE");
    pb.environment().remove(Launcher.NO_AGENT_ENV);
    pb.environment().put("CACHET_HOME", home.toString());
    pb.environment().putAll(extraEnv);
    Path out = Files.createTempFile(home, "out", ".bin");
    Path err = Files.createTempFile(home, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("cachet " + String.join(" ", args) + " did not finish in 3 minutes");
    }
    return new Run(p.exitValue(), Files.readAllBytes(out), Files.readString(err));
  }

  static Run cachet(String... args) throws Exception {
    return cachet(home, Map.of(), args);
  }

  static Run local(String... args) throws Exception {
    return cachet(home, Map.of(Launcher.NO_AGENT_ENV, "1"), args);
  }

  // ------------------------------------------------------------------ holding identities

  @Test
  void get_withTheIdentityHeld_runsInTheAgentWithoutAPassphrase_stdoutBytesExact() throws Exception {
    Run add = cachet("agent", "add", "alice", "--passphrase-file", pass.toString());
    assertThat(add.exit()).as(add.err()).isZero();
    assertThat(add.out()).contains("holds 'alice'");

    Run get = cachet("get", blob, "-o", "-");
    assertThat(get.exit()).as(get.err()).isZero();
    assertThat(get.stdout()).isEqualTo(content);

    Run here = local("get", blob, "-o", "-");
    assertThat(here.exit()).as("without the agent there is no passphrase to open alice with").isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void lock_makesTheNextGetAskForAPassphrase() throws Exception {
    assertThat(cachet("agent", "add", "alice", "--passphrase-file", pass.toString()).exit()).isZero();
    assertThat(cachet("get", blob, "-o", "-").exit()).isZero();

    Run lock = cachet("agent", "lock");
    assertThat(lock.exit()).as(lock.err()).isZero();
    assertThat(lock.out()).contains("forgot 1 identity");

    Run after = cachet("get", blob, "-o", "-");
    assertThat(after.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(after.stdout()).isEmpty();
    assertThat(after.err().strip()).startsWith("cachet: ").contains("cachet agent add alice").doesNotContain("\n");
    assertThat(cachet("agent", "status").out()).contains("holds no identity");
  }

  @Test
  void add_withTheWrongPassphrase_isRefused_andHoldsNothing() throws Exception {
    Path wrong = home.resolve("wrong.txt");
    Files.writeString(wrong, "not it\n");
    Run add = cachet("agent", "add", "alice", "--passphrase-file", wrong.toString());
    assertThat(add.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(add.err()).startsWith("cachet: ");
    assertThat(cachet("agent", "status", "--json").out()).contains("\"identities\" : [ ]");
  }

  @Test
  void aCommandInTheAgent_seesTheCallersDirectoryAndHome() throws Exception {
    assertThat(cachet("agent", "add", "alice", "--passphrase-file", pass.toString()).exit()).isZero();
    Path cwd = Files.createDirectories(home.resolve("work-dir"));
    Run get = cachet(cwd, Map.of(), "get", blob, "-o", "relative.bin");
    assertThat(get.exit()).as(get.err()).isZero();
    assertThat(Files.readAllBytes(cwd.resolve("relative.bin"))).isEqualTo(content);
    assertThat(home.resolve("relative.bin")).doesNotExist();

    // another CACHET_HOME, with no agent of its own, is another state: its commands run locally
    Path other = Files.createDirectories(home.resolve("other-home"));
    Run list = cachet(cwd, Map.of("CACHET_HOME", other.toString()), "id", "list");
    assertThat(list.exit()).isZero();
    assertThat(list.out()).contains("no identities yet in " + other.resolve("ids"));
  }

  @Test
  void outputAndExitCodes_areTheSameInTheAgentAsLocally() throws Exception {
    // a text answer, a JSON one, plaintext bytes on stdout, and a failure with --json
    List<String[]> commands = List.of(
        new String[] {"id", "list"},
        new String[] {"policy", "show", policy, "--json", "--as", "alice", "--passphrase-file", pass.toString()},
        new String[] {"get", blob, "-o", "-", "--passphrase-file", pass.toString()},
        new String[] {"get", "not-a-blob", "-o", "-", "--passphrase-file", pass.toString(), "--json"});
    for (String[] c : commands) {
      Run viaAgent = cachet(c);
      Run here = local(c);
      String what = String.join(" ", c);
      assertThat(viaAgent.exit()).as("exit of %s: %s", what, viaAgent.err()).isEqualTo(here.exit());
      assertThat(withoutJudgedAt(viaAgent.stdout())).as("stdout of %s", what)
          .isEqualTo(withoutJudgedAt(here.stdout()));
      assertThat(viaAgent.err()).as("stderr of %s", what).isEqualTo(here.err());
    }
  }

  /** A policy's states are judged at the ledger's latest block time, which moves between two runs. */
  private static byte[] withoutJudgedAt(byte[] stdout) {
    String text = new String(stdout, java.nio.charset.StandardCharsets.ISO_8859_1);
    return text.replaceAll("\"judgedAt\" : \"[^\"]*\"", "\"judgedAt\" : \"…\"")
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  @Test
  void severalCommands_runInTheAgentAtOnce() throws Exception {
    assertThat(cachet("agent", "add", "alice", "--passphrase-file", pass.toString()).exit()).isZero();
    List<CompletableFuture<Run>> runs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      runs.add(CompletableFuture.supplyAsync(() -> {
        try {
          return cachet("get", blob, "-o", "-");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    for (CompletableFuture<Run> r : runs) {
      Run run = r.get(5, TimeUnit.MINUTES);
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.stdout()).isEqualTo(content);
    }
  }

  // ------------------------------------------------------------------ the socket and its directory

  @Test
  void start_inADirectoryOthersCanReach_isRefused_andTheLauncherWillNotSendToIt() throws Exception {
    Path shared = Files.createDirectories(home.resolve("shared-home"));
    Path dir = Files.createDirectories(shared.resolve("agent"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

    assertThatThrownBy(() -> AgentServer.start(shared, Duration.ofHours(1), Clock.systemUTC()))
        .isInstanceOf(AgentRefusedException.class).hasMessageContaining("not private");
    Run start = cachet(home, Map.of("CACHET_HOME", shared.toString()), "agent", "start", "--foreground");
    assertThat(start.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(start.err()).startsWith("cachet: ").contains("not private").contains("chmod 700");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).as("never repaired")
        .isEqualTo("rwxr-xr-x");

    // a listener someone put there: the launcher does not hand it the caller's environment
    try (ServerSocketChannel planted = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      planted.bind(UnixDomainSocketAddress.of(AgentSocket.socket(shared)));
      Run list = cachet(home, Map.of("CACHET_HOME", shared.toString()), "id", "list");
      assertThat(list.exit()).isZero();
      assertThat(list.out()).contains("no identities yet");
    }
  }

  @Test
  void aDeadAgentsSocket_isRemoved_andTheCommandRunsLocally() throws Exception {
    Path stale = Files.createDirectories(home.resolve("stale-home"));
    AgentSocket.privateDirectory(stale);
    Path socket = AgentSocket.socket(stale);
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).as("closing a listener leaves its socket file").exists();

    Run list = cachet(home, Map.of("CACHET_HOME", stale.toString()), "id", "list");
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.out()).contains("no identities yet");
    assertThat(list.err()).isEmpty();
    assertThat(socket).as("no one listened on it").doesNotExist();
  }

  @Test
  void statusAndStop_withNoAgent_sayThereIsNone() throws Exception {
    Path none = Files.createDirectories(home.resolve("no-agent-home"));
    Run status = cachet(home, Map.of("CACHET_HOME", none.toString()), "agent", "status");
    assertThat(status.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(status.out()).contains("no agent runs").contains("cachet agent start");
    Run add = cachet(home, Map.of("CACHET_HOME", none.toString()), "agent", "add", "--passphrase-file",
        pass.toString());
    assertThat(add.exit()).isEqualTo(ExitCodes.USAGE);
  }

  // ------------------------------------------------------------------ a caller that goes away

  @Test
  void get_whoseLauncherIsKilledWhileItWaits_leavesTheFileUnchanged() throws Exception {
    // sixteen runs that print far more than a socket holds, to callers that never read: every slot taken
    Path crowd = Files.createDirectories(home.resolve("crowd-home"));
    StringBuilder b = new StringBuilder("{\"format\":\"cachet-contacts/1\",\"contacts\":{");
    for (int i = 0; i < 30_000; i++) {
      b.append(i == 0 ? "" : ",").append("\"c").append(i).append("\":\"0x").append(String.format("%064x", i + 1))
          .append('"');
    }
    Files.writeString(crowd.resolve("contacts.json"), b.append("}}").toString());
    List<java.nio.channels.SocketChannel> stalled = new ArrayList<>();
    Path target = home.resolve("killed-get.bin");
    Files.writeString(target, "what was there before");
    try {
      for (int i = 0; i < AgentServer.MAX_RUNNING; i++) {
        java.nio.channels.SocketChannel ch = AgentSocket.connect(home);
        AgentFrames.write(java.nio.channels.Channels.newOutputStream(ch), AgentFrames.RUN, AgentFrames.encodeStrings(
            List.of(BuildId.current(), home.toString(), "2", "contact", "list", "CACHET_HOME=" + crowd)));
        stalled.add(ch);
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (agent.freeRuns() > 0 && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      assertThat(agent.freeRuns()).isZero();

      Path err = Files.createTempFile(home, "err", ".txt");
      List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
          "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
          Launcher.class.getName(), "get", blob, "-o", target.toString(), "--passphrase-file", pass.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
      pb.environment().remove(Launcher.NO_AGENT_ENV);
      pb.environment().put("CACHET_HOME", home.toString());
      Process p = pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
      try {
        while (!Files.readString(err).contains("this one waits") && System.nanoTime() < end) {
          Thread.sleep(50);
        }
        assertThat(Files.readString(err)).contains("this one waits");
      } finally {
        p.destroyForcibly().waitFor(1, TimeUnit.MINUTES); // the caller's Ctrl-C, at its hardest
      }
      for (java.nio.channels.SocketChannel ch : stalled) {
        ch.close();
      }
      while ((agent.served() > 0 || agent.freeRuns() < AgentServer.MAX_RUNNING) && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      assertThat(agent.served()).as("connections still served").isZero();
      assertThat(Files.readString(target)).isEqualTo("what was there before");
      try (var left = Files.list(home)) {
        assertThat(left.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
      }
    } finally {
      for (java.nio.channels.SocketChannel ch : stalled) {
        ch.close();
      }
    }
  }

  @Test
  void startAndStop_inTheBackground_fromARelativeClassPath() throws Exception {
    Path bg = Files.createDirectories(home.resolve("bg-home"));
    Map<String, String> env = Map.of("CACHET_HOME", bg.toString());
    // started the way 'java -jar cli/target/cachet.jar' is: a class path relative to the caller's directory
    Run start = cachet(home, relativeClassPath(home), env, "agent", "start", "--ttl", "5m", "--json");
    assertThat(start.exit()).as(start.err()).isZero();
    assertThat(AgentSocket.socket(bg)).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(AgentSocket.socket(bg))))
        .isEqualTo("rw-------");
    assertThat(cachet(home, env, "agent", "status").exit()).isZero();
    Run stop = cachet(home, env, "agent", "stop");
    assertThat(stop.exit()).as(stop.err()).isZero();
    assertThat(cachet(home, env, "agent", "status").exit()).isEqualTo(ExitCodes.FAILED);
  }
}
