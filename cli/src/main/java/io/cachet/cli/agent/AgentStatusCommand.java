package io.cachet.cli.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Invocation;
import io.cachet.cli.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "status", description = "Whether an agent runs, and which identities it holds until when.",
    footer = {"", "Exit codes: 0 an agent runs, 1 none runs.", "", "Example:", "  cachet agent status --json"})
final class AgentStatusCommand implements Callable<Integer> {
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z");

  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    AgentSocket.Reply reply;
    try {
      reply = AgentSocket.control(home.dir(), AgentFrames.STATUS, new byte[0], null);
    } catch (IOException e) {
      if (json) {
        ObjectNode doc = Json.object();
        doc.put("running", false);
        doc.put("socket", AgentSocket.socket(home.dir()).toString());
        Json.print(out, doc);
      } else {
        out.println("no agent runs for " + home.dir() + "; start one with 'cachet agent start'");
      }
      return ExitCodes.FAILED;
    }
    List<String[]> held = new ArrayList<>();
    reply.out().lines().filter(l -> !l.isEmpty()).forEach(l -> held.add(l.split("\t", 3)));
    Instant now = Instant.now();
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("running", true);
      doc.put("socket", AgentSocket.socket(home.dir()).toString());
      ArrayNode ids = doc.putArray("identities");
      for (String[] h : held) {
        ids.addObject().put("name", h[0]).put("address", h[1])
            .put("until", Instant.ofEpochSecond(Long.parseLong(h[2])).toString());
      }
      Json.print(out, doc);
    } else {
      out.println("the agent runs at " + AgentSocket.socket(home.dir()));
      if (held.isEmpty()) {
        out.println("it holds no identity; add one with 'cachet agent add NAME'");
      }
      for (String[] h : held) {
        Instant until = Instant.ofEpochSecond(Long.parseLong(h[2]));
        out.println("  " + h[0] + "  " + h[1] + "  until " + local(until)
            + ", in " + inWords(Duration.between(now, until)));
      }
    }
    return ExitCodes.OK;
  }

  /** An instant in the caller's time zone ($TZ, else the system's), as a person reads it. */
  static String local(Instant t) {
    String tz = Invocation.current().env("TZ");
    ZoneId zone;
    try {
      zone = tz == null || tz.isBlank() ? ZoneId.systemDefault() : ZoneId.of(tz.startsWith(":") ? tz.substring(1) : tz);
    } catch (DateTimeException e) {
      zone = ZoneId.systemDefault();
    }
    return LOCAL.format(t.atZone(zone));
  }

  static String inWords(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + " s";
    }
    if (s < 2 * 3600) {
      return s / 60 + " min";
    }
    return s / 3600 + " h";
  }
}
