package io.cachet.cli;

import io.cachet.cli.id.IdentityStore;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.PolicyChains;
import io.cachet.crypto.Identity;
import io.cachet.policy.PolicyChain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What a command needs to talk to a Cachet network: the network descriptor (ledger, key servers,
 * publisher and aggregator) and the identity to act as. The descriptor is {@code --network},
 * else {@code HOME/network.json}, else the devnet's {@code HOME/devnet/cachet-network.json}.
 */
public final class Connection {
  @Mixin public CachetHome home;
  @Mixin PassphraseOptions passphrase;

  @Option(names = "--network", paramLabel = "FILE",
      description = "The network descriptor (default: HOME/network.json, else the devnet's).")
  Path network;

  @Option(names = "--as", paramLabel = "NAME", description = "The identity to act as (default: the default one).")
  String as;

  public boolean hasNetworkOption() {
    return network != null;
  }

  public Path networkFile() {
    if (network != null) {
      return network;
    }
    Path own = home.dir().resolve("network.json");
    if (Files.exists(own)) {
      return own;
    }
    Path devnet = home.dir().resolve("devnet").resolve("cachet-network.json");
    if (Files.exists(devnet)) {
      return devnet;
    }
    throw new UsageException("no network to talk to: start the local one with 'cachet devnet up', or give"
        + " --network FILE (see docs/CLI.md, 'Another network')");
  }

  public ClientConfig config() throws IOException {
    Path file = networkFile();
    try {
      return ClientConfig.load(file);
    } catch (io.cachet.crypto.FormatException e) {
      throw new UsageException("the network descriptor is not usable: " + e.getMessage());
    }
  }

  public IdentityStore identities() {
    return new IdentityStore(home.ids());
  }

  /** The name of the identity acting (resolved, so it exists). */
  public String identityName() throws IOException {
    return identities().resolve(as);
  }

  /** Opens the identity (asking for its passphrase) and connects a client as it. */
  public CachetClient connect(ClientConfig config) throws Exception {
    return CachetClient.open(config, identity(), home.dir().resolve("cache"));
  }

  /**
   * Opens the identity (asking for its passphrase) and the chain the descriptor names, written to
   * as it: all a policy command needs, without the key servers or the storage network.
   */
  public PolicyChain chain(ClientConfig config) throws Exception {
    return PolicyChains.open(config, identity());
  }

  private Identity identity() throws Exception {
    String name = identityName();
    char[] pass = passphrase.read("identity '" + name + "'", false);
    try {
      return identities().open(name, pass);
    } finally {
      Arrays.fill(pass, '\0');
    }
  }

  public CachetClient connect() throws Exception {
    return connect(config());
  }
}
