package io.cachet.cli.contact;

import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.UsageException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cachet contact remove NAME}: forgets a contact; an unknown name is a usage error (exit 2). */
@Command(name = "remove", description = {"Forget the contact NAME. Policies that name their address keep it;",
    "listings then show the address instead of the name."},
    footer = {"", "Example:", "  cachet contact remove bob"})
final class ContactRemoveCommand implements Callable<Integer> {
  /** Reason code of a NAME that is not a contact. */
  static final String NO_SUCH_CONTACT = "NO_SUCH_CONTACT";

  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Parameters(paramLabel = "NAME", description = "The contact's name.")
  String name;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (!new ContactStore(home.dir()).remove(name)) {
      throw new UsageException(NO_SUCH_CONTACT, "no contact named '" + name + "': see 'cachet contact list'", null);
    }
    if (json) {
      Json.print(spec.commandLine().getOut(), Json.object().put("name", name).put("removed", true));
    } else {
      spec.commandLine().getOut().println("removed contact " + name);
    }
    return ExitCodes.OK;
  }
}
