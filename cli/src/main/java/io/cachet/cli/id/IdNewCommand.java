package io.cachet.cli.id;

import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.PassphraseOptions;
import io.cachet.crypto.Keystore;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "new",
    description = {"Generate an identity and keep it encrypted under a passphrase.",
        "It is kept in HOME/ids/NAME.json: an Ed25519 key (the embedded ledger), or with --evm a secp256k1 key,"
            + " for EVM chains. The first identity becomes the default."},
    footer = {"", "Examples:", "  cachet id new alice", "  cachet id new carol --evm",
        "  CACHET_PASSPHRASE=... cachet id new bob --default --json"})
final class IdNewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;
  @Mixin PassphraseOptions passphrase;

  @Parameters(paramLabel = "NAME", description = "1-32 characters of a-z, 0-9, '-' and '_'.")
  String name;

  @Option(names = "--default", description = "Make it the default identity.")
  boolean makeDefault;

  @Option(names = "--evm", description = "A secp256k1 key with an Ethereum address, for EVM chains.")
  boolean evm;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    IdentityStore store = new IdentityStore(home.ids());
    IdentityStore.checkName(name);
    char[] pass = passphrase.read("the new identity '" + name + "'", true);
    IdentityStore.Entry e;
    try {
      e = evm ? store.createEvm(name, pass, Keystore.KdfParams.DEFAULT, new SecureRandom())
          : store.create(name, pass, Keystore.KdfParams.DEFAULT, new SecureRandom());
    } finally {
      Arrays.fill(pass, '\0');
    }
    if (makeDefault && !e.isDefault()) {
      store.setDefault(name);
      e = store.show(name);
    }
    IdShowCommand.print(spec.commandLine().getOut(), e, json, "created");
    return ExitCodes.OK;
  }
}
