package io.cachet.cli.id;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "list", description = "List the identities, their kinds and addresses; * marks the default.",
    footer = {"", "Example:", "  cachet id list --json"})
final class IdListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    List<IdentityStore.Entry> all = new IdentityStore(home.ids()).list();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode doc = Json.object();
      ArrayNode ids = doc.putArray("identities");
      all.forEach(e -> ids.add(IdShowCommand.toJson(e)));
      Json.print(out, doc);
    } else if (all.isEmpty()) {
      out.println("no identities yet in " + home.ids() + "; create one with 'cachet id new NAME'");
    } else {
      all.forEach(e -> out.printf("%s %-32s %-15s %s%n", e.isDefault() ? "*" : " ", e.name(),
          IdShowCommand.kindLabel(e.kind()), e.address()));
    }
    return ExitCodes.OK;
  }
}
