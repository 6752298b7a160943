package io.cachet.cli.id;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Keystore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "list", description = {"List the identities, their kinds and addresses; * marks the default.",
    "With --json, also the kind of identity the network's chain takes, when there is a network."},
    footer = {"", "Example:", "  cachet id list --json"})
final class IdListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Option(names = "--network", paramLabel = "FILE", description = "The network whose chain --json names"
      + " (default: HOME/network.json, else the devnet's).")
  Path network;

  @Override
  public Integer call() throws Exception {
    List<IdentityStore.Entry> all = new IdentityStore(home.ids()).list();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode doc = Json.object();
      ArrayNode ids = doc.putArray("identities");
      all.forEach(e -> ids.add(IdShowCommand.toJson(e)));
      chain().ifPresent(evm -> doc.putObject("network").put("chain", evm ? "evm" : "embedded")
          .put("identityKind", (evm ? Keystore.KeyType.SECP256K1 : Keystore.KeyType.ED25519).wireName()));
      Json.print(out, doc);
    } else if (all.isEmpty()) {
      out.println("no identities yet in " + home.ids() + "; create one with 'cachet id new NAME'");
    } else {
      all.forEach(e -> out.printf("%s %-32s %-15s %s%n", e.isDefault() ? "*" : " ", e.name(),
          IdShowCommand.kindLabel(e.kind()), e.address()));
    }
    return ExitCodes.OK;
  }

  /**
   * Whether the network's chain is an EVM one; empty when there is no network, or when its
   * descriptor does not load (listing identities does not depend on it; the commands that use the
   * network say what is wrong with it).
   */
  private Optional<Boolean> chain() {
    Optional<Path> file = network != null ? Optional.of(network) : Connection.defaultNetworkFile(home.dir());
    try {
      return file.isPresent() ? Optional.of(ClientConfig.load(file.get()).chain().isEvm()) : Optional.empty();
    } catch (IOException | FormatException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
