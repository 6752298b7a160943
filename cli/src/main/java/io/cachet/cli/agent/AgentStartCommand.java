package io.cachet.cli.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Cachet;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.TimeArgs;
import io.cachet.cli.UsageException;
import io.cachet.common.io.DurableFiles;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "start", description = {"Start the agent in the background (its log is HOME/agent/agent.log).",
    "From then on 'cachet' commands run in its warm JVM; identities added with 'cachet agent add' need no"
        + " passphrase until --ttl passes. Refuses a HOME/agent directory that is not private to you."},
    footer = {"", "Exit codes: 0 running, 3 the directory is not private, 4 it did not start.", "",
        "Examples:", "  cachet agent start", "  cachet agent start --ttl 8h", "  cachet agent start --foreground"})
final class AgentStartCommand implements Callable<Integer> {
  /** How long a background agent may take to answer before the start is called failed. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** The background agent's heap: it runs bulk gets and puts, streamed. */
  private static final String HEAP = "-Xmx1g";

  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Option(names = "--ttl", paramLabel = "DURATION", description = "How long an added identity is held"
      + " (default: ${DEFAULT-VALUE}).")
  String ttl = "1h";

  @Option(names = "--foreground", description = "Run in this process until stopped, instead of in the background.")
  boolean foreground;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Duration life = TimeArgs.duration(ttl);
    if (life.isZero()) {
      throw new UsageException("--ttl must be more than 0");
    }
    Path dir = home.dir();
    PrintWriter out = spec.commandLine().getOut();
    if (foreground) {
      try (AgentServer agent = AgentServer.start(dir, life, Clock.systemUTC())) {
        print(out, agent.socket(), ProcessHandle.current().pid(), false);
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "cachet-agent-shutdown"));
        agent.awaitStop();
      }
      return ExitCodes.OK;
    }
    Path agentDir = AgentSocket.privateDirectory(dir);
    if (answers(dir)) {
      print(out, AgentSocket.socket(dir), -1, true);
      return ExitCodes.OK;
    }
    Path log = agentDir.resolve("agent.log");
    if (!Files.exists(log)) {
      Files.createFile(log);
    }
    DurableFiles.restrictFile(log);
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add(HEAP);
    cmd.add("-cp");
    cmd.add(absoluteClassPath());
    cmd.add(Cachet.class.getName());
    cmd.addAll(List.of("agent", "start", "--foreground", "--ttl", ttl, "--home", dir.toString()));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!answers(dir)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroy();
        throw new IOException("the agent did not start; see " + log);
      }
      Thread.sleep(50);
    }
    print(out, AgentSocket.socket(dir), p.pid(), false);
    return ExitCodes.OK;
  }

  private void print(PrintWriter out, Path socket, long pid, boolean already) {
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("socket", socket.toString());
      if (pid > 0) {
        doc.put("pid", pid);
      }
      doc.put("alreadyRunning", already);
      doc.put("ttl", ttl);
      Json.print(out, doc);
    } else if (already) {
      out.println("an agent already runs at " + socket);
    } else {
      out.println("agent running at " + socket + (pid > 0 ? " (pid " + pid + ")" : "") + "; identities added are held for "
          + ttl + ". Add one with 'cachet agent add NAME'");
    }
  }

  /** This JVM's class path with every entry absolute: the agent runs in its home, not in the caller's directory. */
  private static String absoluteClassPath() {
    List<String> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      entries.add(e.isEmpty() ? e : Path.of(e).toAbsolutePath().toString());
    }
    return String.join(File.pathSeparator, entries);
  }

  private static boolean answers(Path home) {
    try (SocketChannel ignored = AgentSocket.connect(home)) {
      return true;
    } catch (IOException | AgentRefusedException e) {
      return false;
    }
  }
}
