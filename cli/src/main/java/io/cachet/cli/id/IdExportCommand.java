package io.cachet.cli.id;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cachet id export [NAME]}: what another person needs to name me in their grants, and
 * nothing more: the public address, never the keystore. Needs no passphrase.
 */
@Command(name = "export", description = {"Print what another person needs to grant you access.",
    "Your address, and a ready line for them to run. It holds no secret; send it any way you like."},
    footer = {"", "Examples:", "  cachet id export", "  cachet id export bob --json"})
final class IdExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Parameters(paramLabel = "NAME", arity = "0..1", description = "The identity (default: the default one).")
  String name;

  @Option(names = "--json", description = "Print JSON: name, address, kind and the contact line.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    IdentityStore store = new IdentityStore(home.ids());
    IdentityStore.Entry e = store.show(store.resolve(name));
    String line = "cachet contact add " + e.name() + " " + e.address();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode o = Json.object();
      o.put("name", e.name());
      o.put("address", e.address().toString());
      o.put("kind", e.kind().wireName());
      o.put("contactLine", line);
      Json.print(out, o);
    } else {
      out.println("address  " + e.address() + "  (" + IdShowCommand.kindLabel(e.kind()) + ")");
      out.println("whoever shares with you runs:");
      out.println("  " + line);
    }
    return ExitCodes.OK;
  }
}
