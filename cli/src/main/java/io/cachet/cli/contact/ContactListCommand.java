package io.cachet.cli.contact;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.crypto.Address;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cachet contact list}: every contact, sorted by name. */
@Command(name = "list", description = "List your contacts: name, kind of address and address.",
    footer = {"", "Example:", "  cachet contact list --json"})
final class ContactListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Map<String, Address> all = new ContactStore(home.dir()).list();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode o = Json.object();
      ArrayNode list = o.putArray("contacts");
      all.forEach((n, a) -> list.addObject().put("name", n).put("address", a.toString()).put("kind", kind(a)));
      Json.print(out, o);
      return ExitCodes.OK;
    }
    if (all.isEmpty()) {
      out.println("no contacts yet: add one with 'cachet contact add NAME 0x...' (they get the line from"
          + " 'cachet id export')");
      return ExitCodes.OK;
    }
    int width = all.keySet().stream().mapToInt(String::length).max().orElse(4);
    all.forEach((n, a) -> out.printf("%-" + width + "s  %-9s  %s%n", n, kind(a), a));
    return ExitCodes.OK;
  }

  /**
   * The kind of key behind an address, named as keystores name it: "secp256k1" for an EVM address
   * (20 bytes), "ed25519" for a Cachet one (32 bytes).
   */
  static String kind(Address a) {
    return a.isEvm() ? "secp256k1" : "ed25519";
  }
}
