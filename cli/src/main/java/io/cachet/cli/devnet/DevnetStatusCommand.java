package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "status", description = {"Show each part of the devnet, whether it runs, and where.",
    "On a devnet of processes: each part's pid, its state (running, stopped, killed, exited (code N)) and what its"
        + " /health answers.",
    "The viewer page's address is shown last (in --json: viewerUrl)."},
    footer = {"", "Exit codes: 0 the devnet runs, 1 it does not.", "", "Example:", "  cachet devnet status --json"})
final class DevnetStatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin DaemonClient daemon;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Optional<DaemonClient.Running> running = daemon.running();
    if (running.isEmpty()) {
      if (json) {
        ObjectNode o = Json.object();
        o.put("dir", daemon.dir().toString());
        o.put("running", false);
        Json.print(out, o);
      } else {
        out.println("no devnet is running in " + daemon.dir() + "; start one with 'cachet devnet up'");
      }
      return ExitCodes.FAILED;
    }
    print(out, daemon.call(running.get(), "GET", "/status"), json);
    return ExitCodes.OK;
  }

  static void print(PrintWriter out, JsonNode status, boolean json) {
    if (json) {
      ObjectNode o = ((ObjectNode) status).deepCopy();
      o.put("running", true);
      Json.print(out, o);
      return;
    }
    boolean evm = Devnet.CHAIN_EVM.equals(status.path("chain").asText());
    out.println("devnet " + status.path("dir").asText() + "  (pid " + status.path("pid").asLong()
        + (evm ? ", policies on anvil, block " : ", ledger height ") + status.path("ledgerHeight").asLong() + ")");
    boolean processes = DevnetMode.PROCESSES.word().equals(status.path("mode").asText());
    for (JsonNode p : status.path("parts")) {
      if (processes) {
        out.printf("  %-8s %-16s pid %-8s %-24s health %s%n", p.path("name").asText(), p.path("state").asText(),
            p.has("pid") ? p.path("pid").asText() : "-", p.path("url").asText(), p.path("health").asText());
      } else {
        out.printf("  %-8s %-5s %s%n", p.path("name").asText(), p.path("running").asBoolean() ? "up" : "DOWN",
            p.path("url").asText());
      }
    }
    if (processes) {
      out.println("each part's output is in " + status.path("layout").asText() + "/.../NAME.out and NAME.log");
    }
    out.println("clients read " + status.path("descriptor").asText());
    if (status.hasNonNull("viewerUrl")) {
      out.println("the viewer page opens the devnet's files in a browser: " + status.path("viewerUrl").asText());
    }
  }

}
