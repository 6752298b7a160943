package io.cachet.cli.id;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "show", description = "Show an identity's address (what others grant access to) and keystore file.",
    footer = {"", "Examples:", "  cachet id show", "  cachet id show bob --json"})
final class IdShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Parameters(paramLabel = "NAME", arity = "0..1", description = "The identity (default: the default one).")
  String name;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    IdentityStore store = new IdentityStore(home.ids());
    print(spec.commandLine().getOut(), store.show(store.resolve(name)), json, null);
    return ExitCodes.OK;
  }

  static ObjectNode toJson(IdentityStore.Entry e) {
    ObjectNode o = Json.object();
    o.put("name", e.name());
    o.put("address", e.address().toString());
    o.put("default", e.isDefault());
    o.put("keystore", e.file().toString());
    return o;
  }

  static void print(PrintWriter out, IdentityStore.Entry e, boolean json, String verb) {
    if (json) {
      Json.print(out, toJson(e));
      return;
    }
    out.println((verb == null ? "" : verb + " ") + "identity " + e.name() + (e.isDefault() ? " (default)" : ""));
    out.println("  address   " + e.address());
    out.println("  keystore  " + e.file());
  }
}
