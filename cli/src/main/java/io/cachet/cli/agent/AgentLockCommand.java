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

@Command(name = "lock", description = {"Forget every identity the agent holds, at once (their keys are zeroed).",
    "The agent keeps running; commands ask for passphrases again until 'cachet agent add'."},
    footer = {"", "Example:", "  cachet agent lock"})
final class AgentLockCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int forgotten;
    boolean running = true;
    try {
      forgotten = Integer.parseInt(AgentSocket.control(home.dir(), AgentFrames.LOCK, new byte[0], null).out().trim());
    } catch (IOException e) {
      forgotten = 0;
      running = false;
    }
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("running", running);
      doc.put("forgotten", forgotten);
      Json.print(out, doc);
    } else {
      out.println(running ? "the agent forgot " + forgotten + (forgotten == 1 ? " identity" : " identities")
          : "no agent runs for " + home.dir() + "; nothing was held");
    }
    return ExitCodes.OK;
  }
}
