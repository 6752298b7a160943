package io.cachet.cli.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "stop", description = "Stop the agent; every identity it held is forgotten (zeroed).",
    footer = {"", "Example:", "  cachet agent stop"})
final class AgentStopCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    boolean was = true;
    try {
      AgentSocket.control(home.dir(), AgentFrames.STOP, new byte[0], null);
    } catch (IOException e) {
      was = false;
    }
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("stopped", was);
      Json.print(out, doc);
    } else {
      out.println(was ? "the agent stopped" : "no agent was running for " + home.dir());
    }
    return ExitCodes.OK;
  }
}
