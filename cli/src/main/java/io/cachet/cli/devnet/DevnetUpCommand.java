package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Invocation;
import io.cachet.cli.JsonAnswer;
import io.cachet.common.io.DurableFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "up", description = {"Start the devnet in the background and wait until every part answers.",
    "It is created on first use. Its log is DIR/devnet.log; clients read DIR/cachet-network.json.",
    "It serves the viewer page, which opens the devnet's files in a browser, on 127.0.0.1 and prints its address"
        + " (in --json: viewerUrl); the key servers, the gateway and the ledger let that page's origin in, and"
        + " each --cors-origin (an app's page).",
    "With --chain evm, policies live on a local anvil chain (installed with npm on first use) instead of the"
        + " embedded ledger; the identity 'devnet-evm' (anvil's public dev account 1) is made, and every EVM"
        + " identity is funded with ether for gas.",
    "With --processes, every part is an OS process of its own (the operator's 'serve' commands, files in"
        + " DIR/processes/), so 'devnet stop PART --kill' can SIGKILL one. A devnet keeps the mode it was made with."},
    footer = {"", "Exit codes: 0 running, 4 it did not start (the log's tail is printed).", "",
        "Examples:", "  cachet devnet up", "  cachet devnet up --chain evm",
        "  cachet devnet up --processes --dir /tmp/procnet", "  cachet devnet up --dir /tmp/net --json",
        "  cachet devnet up --cors-origin http://127.0.0.1:8080",
        "  cachet devnet up --foreground"})
final class DevnetUpCommand implements Callable<Integer> {
  private static final long START_TIMEOUT_MS = 120_000;
  /** A devnet of processes starts 12 JVMs, in four groups each awaited until it serves: slow on a busy machine. */
  private static final long PROCESSES_START_TIMEOUT_MS = 360_000;

  @Spec CommandSpec spec;
  @Mixin DaemonClient daemon;

  @Option(names = "--foreground", description = "Run in this process until Ctrl-C instead of in the background.")
  boolean foreground;

  @Option(names = "--heap", paramLabel = "SIZE", description = "Heap of the background process (default:"
      + " ${DEFAULT-VALUE}); with --processes each part has its own 256m.")
  String heap = "512m";

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Option(names = "--chain", paramLabel = "KIND", description = "Where policies live: embedded (the default, its own"
      + " ledger) or evm (a local anvil chain). A devnet keeps the kind it was made with.")
  String chain;

  @Option(names = "--processes", description = "Run every part as its own OS process (one JVM each, some 20 to 80 s"
      + " to start) instead of all in one JVM; embedded ledger only. Without it, an existing devnet keeps its mode.")
  boolean processes;

  @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "Also let this web origin"
      + " (scheme://host[:port], such as http://127.0.0.1:8080) call the key servers, the gateway and the ledger,"
      + " beside the viewer page: an app's own page on this devnet. Repeatable; kept in DIR/devnet.json, so later"
      + " starts keep it. Takes effect when the devnet starts.")
  List<String> corsOrigins = new ArrayList<>();

  /**
   * Whether the devnet runs as processes: --processes, else the mode devnet.json records. Asking for
   * processes on a devnet made in one JVM is refused (its state would not carry over).
   */
  private boolean processes(Path dir, boolean evm) throws IOException {
    java.util.Optional<DevnetMode> recorded = DevnetMode.recorded(dir);
    if (processes && recorded.isPresent() && recorded.get() != DevnetMode.PROCESSES) {
      throw new DevnetException("the devnet in " + dir + " runs every part in one JVM (it was made without"
          + " --processes): start it without --processes, or give another --dir for a devnet of processes");
    }
    boolean asProcesses = processes || recorded.orElse(DevnetMode.IN_JVM) == DevnetMode.PROCESSES;
    if (asProcesses && evm) {
      throw new io.cachet.cli.UsageException("--processes with --chain evm is not supported yet: a devnet of"
          + " processes keeps its policies on the embedded ledger; drop one of the two");
    }
    return asProcesses;
  }

  /** The chain kind: --chain, else the one devnet.json records, else embedded. */
  private boolean evm(Path dir) throws IOException {
    if (chain != null && !chain.equals(Devnet.CHAIN_EVM) && !chain.equals(Devnet.CHAIN_EMBEDDED)) {
      throw new io.cachet.cli.UsageException("--chain is embedded or evm, not '" + chain + "'");
    }
    String recorded = null;
    Path state = dir.resolve("devnet.json");
    if (Files.exists(state)) {
      JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(state.toFile());
      // a devnet.json of settings only (--cors-origin before a first start) records no chain yet
      recorded = n == null || DevnetCors.settingsOnly(n) ? null : n.path("chain").asText(Devnet.CHAIN_EMBEDDED);
    }
    if (chain != null && recorded != null && !chain.equals(recorded)) {
      // said here, before a daemon is started that would only fail in its log
      throw new DevnetException("the devnet in " + dir + " keeps its policies on the " + recorded + " chain, not "
          + chain + ": start it with --chain " + recorded + ", or give another --dir");
    }
    return Devnet.CHAIN_EVM.equals(chain != null ? chain : recorded);
  }

  /** On an EVM devnet: the user's identities made ready (see {@link DevnetEvmIdentities}); nothing in --json mode but funding. */
  private void identities(PrintWriter out, JsonNode status, Path dir) throws Exception {
    if (!Devnet.CHAIN_EVM.equals(status.path("chain").asText())) {
      return;
    }
    String rpc = "";
    for (JsonNode p : status.path("parts")) {
      if (p.path("name").asText().equals("anvil")) {
        rpc = p.path("url").asText();
      }
    }
    PrintWriter sink = json ? new PrintWriter(java.io.Writer.nullWriter()) : out;
    DevnetEvmIdentities.prepare(new io.cachet.cli.id.IdentityStore(daemon.home.ids()), dir, java.net.URI.create(rpc),
        sink);
    sink.flush();
  }

  @Override
  public Integer call() throws Exception {
    Path dir = daemon.dir();
    PrintWriter out = spec.commandLine().getOut();
    boolean evm = evm(dir);
    boolean asProcesses = processes(dir, evm);
    Optional<DaemonClient.Running> running = daemon.running();
    // checked and kept before anything starts: a bad origin is a usage error, not a daemon that fails
    List<String> extraOrigins = DevnetCors.add(dir, corsOrigins);
    if (running.isPresent()) {
      if (!json) {
        out.println("the devnet in " + dir + " is already running (pid " + running.get().process().pid() + ")");
      }
      if (!corsOrigins.isEmpty()) {
        spec.commandLine().getErr().println("--cors-origin is recorded (" + String.join(", ", extraOrigins)
            + ") and takes effect at the next start: cachet devnet down, then cachet devnet up");
      }
      JsonNode status = daemon.call(running.get(), "GET", "/status");
      DevnetStatusCommand.print(out, status, json);
      identities(out, status, dir);
      return ExitCodes.OK;
    }
    Path anvilBinary = evm ? AnvilInstall.ensure(spec.commandLine().getErr()) : null;
    if (foreground) {
      try (DevnetDaemon d = asProcesses ? DevnetDaemon.startProcesses(dir)
          : DevnetDaemon.start(dir, Devnet.Options.defaults().withEvm(evm))) {
        JsonNode status = new com.fasterxml.jackson.databind.ObjectMapper().readTree(d.status().encode());
        DevnetStatusCommand.print(out, status, json);
        identities(out, status, dir);
        // the answer is complete while the devnet runs on: a --json reader gets it now, not at Ctrl-C
        JsonAnswer.release(out);
        spec.commandLine().getErr().println("running in the foreground; Ctrl-C stops it");
        CountDownLatch forever = new CountDownLatch(1);
        if (asProcesses) {
          // as the daemon does: Ctrl-C stops the parts in order, before the JVM's exit kills them
          d.stopOnSignal();
        } else {
          Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
        }
        forever.await();
      }
      return ExitCodes.OK;
    }
    // private: the devnet's logs say who read what, and when; its secrets live beside them
    DurableFiles.privateDirectory(dir);
    Path log = dir.resolve("devnet.log");
    if (!Files.exists(log)) {
      Files.createFile(log);
    }
    DurableFiles.restrictFile(log);
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-Xmx" + heap);
    if (asProcesses) {
      // the daemon of a devnet of processes only supervises its parts and serves the viewer page:
      // no blob passes through it, so the server compiler would only cost it CPU, as a part's would
      cmd.add(ProcessDevnet.CLIENT_COMPILER_ONLY);
    }
    String extra = Invocation.current().env(Devnet.DAEMON_JVM_OPTIONS);
    for (String option : (extra == null ? "" : extra).trim().split("\\s+")) {
      if (!option.isEmpty()) {
        cmd.add(option);
      }
    }
    cmd.add("-Dcachet.log.level=INFO");
    cmd.add("-Dlogback.configurationFile=logback.xml");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(DevnetDaemon.class.getName());
    cmd.add(dir.toString());
    cmd.add(evm ? Devnet.CHAIN_EVM : Devnet.CHAIN_EMBEDDED);
    if (asProcesses) {
      cmd.add(DevnetDaemon.PROCESSES_ARG);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    if (anvilBinary != null) {
      // the daemon may run from any directory: it is told where anvil is rather than searching
      pb.environment().put(io.cachet.policy.evm.Anvil.BINARY_ENV, anvilBinary.toAbsolutePath().toString());
    }
    Process p = pb.start();
    long timeout = asProcesses ? PROCESSES_START_TIMEOUT_MS : START_TIMEOUT_MS;
    long deadline = System.currentTimeMillis() + timeout;
    while (true) {
      Optional<DaemonClient.Running> r = daemon.running();
      if (r.isPresent() && r.get().process().pid() == p.pid()) {
        JsonNode status = daemon.call(r.get(), "GET", "/status");
        if (!json) {
          out.println("devnet up in " + dir + " (pid " + p.pid() + ")");
        }
        DevnetStatusCommand.print(out, status, json);
        identities(out, status, dir);
        return ExitCodes.OK;
      }
      if (!p.isAlive() || System.currentTimeMillis() > deadline) {
        p.destroy();
        String why = "the devnet did not start" + (p.isAlive() ? " within " + timeout / 1000 + " s" : "");
        spec.commandLine().getErr().println("the end of " + log + ":");
        spec.commandLine().getErr().println(tail(log, 20));
        throw new IOException(why + "; its log is " + log + " (its end is above)");
      }
      Thread.sleep(200);
    }
  }

  private static String tail(Path log, int lines) throws IOException {
    List<String> all = Files.readAllLines(log);
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

}
