package io.cachet.cli.devnet;

import io.cachet.cli.ExitCodes;
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

  @Parameters(paramLabel = "PART", description = "ledger, ks-1..ks-3 or node-0..node-6.")
  String part;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  abstract String action();

  @Override
  public Integer call() throws Exception {
    DaemonClient.Running r = daemon.running().orElseThrow(() -> new DevnetException(
        "no devnet is running in " + daemon.dir() + "; start one with 'cachet devnet up'"));
    DevnetStatusCommand.print(spec.commandLine().getOut(), daemon.call(r, "POST", "/parts/" + part + "/" + action()), json);
    return ExitCodes.OK;
  }

  @Command(name = "stop", description = "Stop one part of the running devnet (the others keep running).",
      footer = {"", "Example:", "  cachet devnet stop ks-2"})
  static final class Stop extends DevnetPartCommand {
    @Override
    String action() {
      return "stop";
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
