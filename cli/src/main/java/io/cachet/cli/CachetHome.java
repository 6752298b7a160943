package io.cachet.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the command keeps its state: {@code --home}, else {@code $CACHET_HOME}, else
 * {@code $HOME/.cachet}, else Java's {@code user.home}/.cachet. {@code $HOME} comes before
 * {@code user.home} because Java takes the latter from the password database, so two users or jobs
 * sharing an account with different {@code HOME}s would otherwise share one state. Identities live
 * in {@code ids/}, contacts in {@code contacts.json}, the devnet in {@code devnet/}.
 */
public final class CachetHome {
  @Option(names = "--home", paramLabel = "DIR",
      description = "Cachet's state directory (default: $CACHET_HOME, else $HOME/.cachet).")
  Path home;

  public Path dir() {
    Invocation run = Invocation.current();
    if (home != null) {
      return run.cwd().resolve(home);
    }
    String env = run.env("CACHET_HOME");
    if (env != null && !env.isBlank()) {
      return run.resolve(env);
    }
    String userHome = run.env("HOME");
    if (userHome != null && !userHome.isBlank()) {
      return run.resolve(userHome).resolve(".cachet");
    }
    return Path.of(System.getProperty("user.home"), ".cachet");
  }

  public Path ids() {
    return dir().resolve("ids");
  }

  /** My identities and contacts, for names in place of addresses both ways. */
  public io.cachet.cli.contact.AddressBook addressBook() throws java.io.IOException {
    return io.cachet.cli.contact.AddressBook.open(new io.cachet.cli.id.IdentityStore(ids()),
        new io.cachet.cli.contact.ContactStore(dir()));
  }
}
