package io.cachet.cli;

import io.cachet.cli.agent.HeldIdentities;
import io.cachet.cli.agent.InAgent;
import io.cachet.cli.id.IdentityStore;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.PolicyChains;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.Requester;
import io.cachet.policy.PolicyChain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What a command needs to talk to a Cachet network: the network descriptor (ledger, key servers,
 * publisher and aggregator) and the identity to act as. The descriptor is {@code --network},
 * else {@code HOME/network.json}, else the devnet's {@code HOME/devnet/cachet-network.json}.
 */
public final class Connection {
  /** The reason code of a command that needs a network when none is named and none is found. */
  public static final String NO_NETWORK = "NO_NETWORK";

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

  /**
   * The network descriptor's file.
   *
   * @throws InputFile.Unreadable when {@code --network} names no readable file (exit 4)
   * @throws UsageException when none was named and there is neither {@code HOME/network.json} nor a devnet
   */
  public Path networkFile() throws IOException {
    if (network != null) {
      return InputFile.regular(network, "the network descriptor", "Give its file (a devnet's is DIR/cachet-network.json).");
    }
    Optional<Path> found = defaultNetworkFile(home.dir());
    if (found.isPresent()) {
      return found.get();
    }
    throw new UsageException(NO_NETWORK, "no network to talk to", "Start the local one with 'cachet devnet up', or"
        + " give --network FILE (see docs/CLI.md, 'Another network').");
  }

  /** The descriptor a command uses when none is named: {@code HOME/network.json}, else the devnet's; else empty. */
  public static Optional<Path> defaultNetworkFile(Path homeDir) {
    Path own = homeDir.resolve("network.json");
    if (Files.exists(own)) {
      return Optional.of(own);
    }
    Path devnet = homeDir.resolve("devnet").resolve("cachet-network.json");
    return Files.exists(devnet) ? Optional.of(devnet) : Optional.empty();
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

  /**
   * Opens the identity (asking for its passphrase) and connects a client as it, on either chain:
   * an Ed25519 identity on the embedded ledger, an EVM one on an EVM chain.
   */
  public CachetClient connect(ClientConfig config) throws Exception {
    Requester who = identity(config);
    try {
      return CachetClient.openAs(config, who, java.time.Clock.systemUTC(), home.dir().resolve("cache"));
    } catch (IllegalArgumentException e) {
      destroy(who);
      throw new UsageException(e.getMessage());
    }
  }

  /**
   * Opens the identity (asking for its passphrase) and the chain the descriptor names, written to
   * as it: all a policy command needs, without the key servers or the storage network.
   */
  public PolicyChain chain(ClientConfig config) throws Exception {
    PartsListening.require(config.chainUrl());
    Requester who = identity(config);
    try {
      return PolicyChains.open(config, who);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    } finally {
      // the chain holds its own credentials; the opened keystore's copy is not needed past here
      if (who instanceof EvmIdentity) {
        destroy(who);
      }
    }
  }

  /**
   * The chain the descriptor names, for reading only: no identity is opened and no passphrase
   * asked ({@link PolicyChains#openForReading}).
   */
  public PolicyChain reader(ClientConfig config) {
    try {
      return PolicyChains.openForReading(config);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** The name given to {@code --as}, or null. */
  public String asOption() {
    return as;
  }

  /**
   * The acting identity, opened after checking it is the kind the descriptor's chain signs with
   * (so a wrong kind fails before a passphrase is asked): an Ed25519 identity on the embedded
   * ledger, an EVM one, bound to the chain's id, on an EVM chain.
   */
  private Requester identity(ClientConfig config) throws Exception {
    String name = identityName();
    Keystore.KeyType kind = identities().show(name).kind();
    boolean evm = config.chain().isEvm();
    if (evm && kind != Keystore.KeyType.SECP256K1) {
      throw new UsageException("'" + name + "' is an Ed25519 identity, and this network's policies live on an EVM"
          + " chain: create one with 'cachet id new NAME --evm', or pick one with --as");
    }
    if (!evm && kind == Keystore.KeyType.SECP256K1) {
      throw new UsageException("'" + name + "' is an EVM (secp256k1) identity, and this network's policies live on"
          + " the embedded ledger, which needs an Ed25519 one: pick one with --as");
    }
    Requester opened = fromAgent(name);
    if (opened == null) {
      char[] pass = passphrase.read("identity '" + name + "'", false);
      try {
        opened = identities().openRequester(name, pass);
      } finally {
        Arrays.fill(pass, '\0');
      }
    }
    if (opened instanceof EvmIdentity e) {
      try {
        return e.onChain(config.chain().chainId());
      } finally {
        e.destroy();
      }
    }
    return opened;
  }

  /**
   * Inside {@code cachet agent}: a fresh copy of the identity if the agent holds it, else null; an
   * identity it does not hold with no passphrase source given is an error saying how to add it
   * (the agent has no terminal to ask on). Outside an agent: null.
   */
  private Requester fromAgent(String name) throws IOException {
    HeldIdentities agent = InAgent.held();
    if (agent == null) {
      return null;
    }
    Requester held = agent.open(name, identities().show(name).address());
    if (held == null && !passphrase.given()) {
      throw new UsageException("the agent does not hold identity '" + name + "' (or its time ran out): run 'cachet"
          + " agent add " + name + "', or give --passphrase-file FILE");
    }
    return held;
  }

  private static void destroy(Requester who) {
    if (who instanceof EvmIdentity e) {
      e.destroy();
    } else if (who instanceof Identity i) {
      i.destroy();
    }
  }

  public CachetClient connect() throws Exception {
    return connect(config());
  }
}
