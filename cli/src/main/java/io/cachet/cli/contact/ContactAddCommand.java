package io.cachet.cli.contact;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.UsageException;
import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cachet contact add NAME ADDRESS}: adds or replaces a contact. Refuses (exit 2) a name one
 * of my identities has, so a name never means two addresses, and an address that does not parse.
 */
@Command(name = "add", description = {"Name ADDRESS as NAME. Adding a name again replaces its address.",
    "A name one of your identities has is refused: a name means one address."},
    footer = {"", "Examples:", "  cachet contact add bob 0x5e1f...",
        "  cachet contact add carol 0x9a0cE3...   # an EVM address"})
final class ContactAddCommand implements Callable<Integer> {
  /** Reason code of a NAME one of my identities has. */
  static final String NAME_OF_IDENTITY = "NAME_OF_IDENTITY";

  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Parameters(index = "0", paramLabel = "NAME", description = "The name: 1 to 32 of a-z, 0-9, _ and -.")
  String name;

  @Parameters(index = "1", paramLabel = "ADDRESS",
      description = "Their address: 0x and 64 hex digits, or an EVM address (0x and 40).")
  String address;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ContactStore.checkName(name);
    Address parsed;
    try {
      parsed = Address.parse(address.trim());
    } catch (FormatException e) {
      throw new UsageException(ContactStore.BAD_ADDRESS, "'" + address + "' is not an address (0x and 64 hex digits, or an EVM"
          + " address: 0x and 40)", "Ask them for the line 'cachet id export' prints.");
    }
    IdentityStore ids = new IdentityStore(home.ids());
    if (ids.list().stream().anyMatch(e -> e.name().equals(name))) {
      throw new UsageException(NAME_OF_IDENTITY, "'" + name + "' is the name of one of your identities; give the"
          + " contact another name", null);
    }
    ContactStore store = new ContactStore(home.dir());
    Optional<Address> before = store.put(name, parsed);
    if (json) {
      ObjectNode o = Json.object();
      o.put("name", name);
      o.put("address", parsed.toString());
      o.put("kind", ContactListCommand.kind(parsed));
      before.ifPresent(b -> o.put("replaced", b.toString()));
      Json.print(spec.commandLine().getOut(), o);
    } else {
      String verb = before.isEmpty() ? "added" : before.get().equals(parsed) ? "kept" : "changed";
      spec.commandLine().getOut().println(verb + " contact " + name + " " + parsed);
    }
    return ExitCodes.OK;
  }

}
