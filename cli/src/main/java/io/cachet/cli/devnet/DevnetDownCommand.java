package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "down", description = {"Stop the devnet cleanly; its state stays. On a devnet of processes every part"
    + " gets SIGTERM (key servers, gateway, nodes, ledger); parts a killed daemon left running are stopped too.",
    "'cachet devnet up' brings the same network back; remove its directory to start afresh."},
    footer = {"", "Exit codes: 0 stopped or not running, 1 it did not stop within 60 s.", "",
        "Example:", "  cachet devnet down"})
final class DevnetDownCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin DaemonClient daemon;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Optional<DaemonClient.Running> running = daemon.running();
    ObjectNode o = Json.object();
    o.put("dir", daemon.dir().toString());
    if (running.isEmpty()) {
      stopOrphanedAnvil();
      orphans(o);
      o.put("stopped", false);
      o.put("running", false);
      if (json) {
        Json.print(out, o);
      } else {
        out.println("no devnet is running in " + daemon.dir());
      }
      return ExitCodes.OK;
    }
    ProcessHandle p = running.get().process();
    p.destroy();
    boolean gone;
    try {
      p.onExit().get(60, TimeUnit.SECONDS);
      gone = true;
    } catch (java.util.concurrent.TimeoutException e) {
      gone = false;
    }
    if (gone) {
      stopOrphanedAnvil();
      orphans(o);
    }
    o.put("stopped", gone);
    o.put("running", !gone);
    o.put("pid", p.pid());
    if (json) {
      Json.print(out, o);
    } else {
      out.println(gone ? "devnet stopped (pid " + p.pid() + ")" : "the devnet (pid " + p.pid() + ") did not stop within 60 s");
    }
    return gone ? ExitCodes.OK : ExitCodes.FAILED;
  }

  /** Stops the part processes a killed daemon left (see {@link OrphanParts}) and lists them under {@code orphans}. */
  private void orphans(ObjectNode o) throws java.io.IOException, InterruptedException {
    java.util.List<String> stopped = OrphanParts.stop(daemon.dir());
    if (!stopped.isEmpty()) {
      o.putArray("orphans").addAll(stopped.stream().map(com.fasterxml.jackson.databind.node.TextNode::new).toList());
      if (!json) {
        spec.commandLine().getOut().println("stopped " + String.join(", ", stopped)
            + ", left running by a devnet daemon that was killed");
      }
    }
  }

  /**
   * Stops the anvil an EVM devnet started, should it outlive its daemon (killed without its
   * shutdown hook running): by the PID devnet.json recorded, and only if that process is still an
   * anvil, so a PID reused by another program is left alone.
   */
  private void stopOrphanedAnvil() {
    java.nio.file.Path state = daemon.dir().resolve("devnet.json");
    try {
      long pid = new com.fasterxml.jackson.databind.ObjectMapper().readTree(state.toFile()).path("anvilPid").asLong(-1);
      if (pid <= 0) {
        return;
      }
      ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
          .filter(h -> h.info().command().map(c -> c.endsWith("/anvil")).orElse(false))
          .ifPresent(h -> {
            h.destroy();
            try {
              h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
              h.destroyForcibly();
            }
          });
    } catch (java.io.IOException e) {
      // no devnet.json: the devnet never ran anvil
    }
  }
}
