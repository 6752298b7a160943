package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import io.cachet.cli.ExitCodes;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cachet devnet stop PART} and {@code start PART}: one server down or back, to see what Cachet tolerates. */
abstract class DevnetPartCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin DaemonClient daemon;

  @Parameters(paramLabel = "PART", description = "ledger, ks-1..ks-3, node-0..node-6, or gateway on a devnet of"
      + " processes.")
  String part;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  abstract String action();

  @Override
  public Integer call() throws Exception {
    DaemonClient.Running r = daemon.running().orElseThrow(() -> new DevnetException(
        "no devnet is running in " + daemon.dir() + "; start one with 'cachet devnet up'"));
    JsonNode answer = daemon.call(r, "POST", "/parts/" + part + "/" + action());
    PrintWriter out = spec.commandLine().getOut();
    DevnetStatusCommand.print(out, answer, json);
    return outcome(answer, out);
  }

  /** OK, unless a part asked to stop politely exited with another code than 0 (said in one line). */
  int outcome(JsonNode answer, PrintWriter out) {
    return ExitCodes.OK;
  }

  @Command(name = "stop", description = {"Stop one part of the running devnet (the others keep running).",
      "On a devnet of processes: SIGTERM, awaiting a clean exit (any other exit code is reported, exit 1);"
          + " with --kill, SIGKILL, as a crash would (exit code 137)."},
      footer = {"", "Exit codes: 0 stopped; 1 it exited with another code than 0 on SIGTERM;",
          "2 an unknown part, or --kill on a devnet that is not of processes.", "", "Examples:",
          "  cachet devnet stop ks-2",
          "  cachet devnet stop ks-2 --kill"})
  static final class Stop extends DevnetPartCommand {
    @Option(names = "--kill", description = "Send SIGKILL instead of SIGTERM (needs 'devnet up --processes').")
    boolean kill;

    @Override
    String action() {
      return kill ? "kill" : "stop";
    }

    @Override
    int outcome(JsonNode answer, PrintWriter out) {
      int code = answer.path("exitCode").asInt(0);
      if (json) {
        return kill || code == 0 ? ExitCodes.OK : ExitCodes.FAILED;
      }
      if (kill) {
        out.println(part + " killed (exit code " + code + ")");
        return ExitCodes.OK;
      }
      if (code != 0) {
        out.println(part + " exited with code " + code + " on SIGTERM, not 0: see its output in the status above");
        return ExitCodes.FAILED;
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "start", description = "Start a stopped part of the running devnet again, from its old state.",
      footer = {"", "Example:", "  cachet devnet start ks-2"})
  static final class Start extends DevnetPartCommand {
    @Override
    String action() {
      return "start";
    }
  }
}
