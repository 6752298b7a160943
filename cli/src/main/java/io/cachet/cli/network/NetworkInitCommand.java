package io.cachet.cli.network;

import io.cachet.cli.ExitCodes;
import io.cachet.cli.UsageException;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.ConfigText;
import io.cachet.common.config.Settings;
import io.cachet.common.io.DurableFiles;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.NodeKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cachet network init DIR}: writes a storage network's kit, one self-contained directory
 * per machine, each holding what its {@code serve} command loads as it is:
 *
 * <pre>
 * DIR/network.json                the network descriptor (public; the clients' copy)
 * DIR/node-I/node.conf            node I's configuration (paths relative to it)
 * DIR/node-I/node.key             node I's signing key, 0600
 * DIR/node-I/network.json         a copy of the descriptor
 * DIR/node-I/data/                node I's data directory, 0700, empty
 * DIR/gateway/gateway.conf        the gateway's configuration
 * DIR/gateway/publisher.key       the gateway's write key, 0600 (every node trusts its public key)
 * DIR/gateway/network.json        a copy of the descriptor
 * DIR/gateway/certificate-keystore.json   with --ledger-url: the identity that signs the
 *                                 certificates' transactions, 0600, under --passphrase-file
 * </pre>
 *
 * Every directory is 0700 and every file is written durably. It refuses a {@code DIR} that exists
 * and is not empty, so a kit, whose keys are its network's identity, is never overwritten.
 */
@Command(name = "init", description = {"Write a storage network's kit of keys and configuration files.",
    "network.json, each node's key (0600), configuration and data directory, and the gateway's publisher key"
        + " (0600) and configuration, one directory per machine. Refuses a DIR that exists and is not empty."})
public final class NetworkInitCommand implements Callable<Integer> {
  /** Reason code of a kit that would overwrite another. */
  static final String KIT_EXISTS = "KIT_EXISTS";

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Where to write the kit (must not exist, or be empty).")
  Path dir;

  @Option(names = "--nodes", required = true, paramLabel = "N",
      description = "Storage nodes; the network tolerates f = (N - 1) / 3 of them lost.")
  int nodes;

  @Option(names = "--node-url", required = true, arity = "1..*", paramLabel = "URL",
      description = "Each node's URL, as clients and the gateway reach it (http://HOST:PORT), in index order.")
  List<String> nodeUrls;

  @Option(names = "--shard-size", defaultValue = "1MiB", paramLabel = "SIZE",
      description = "Bytes of one shard (a stripe holds k of them). Default: ${DEFAULT-VALUE}.")
  String shardSize;

  @Option(names = "--epoch", defaultValue = "1h", paramLabel = "DURATION",
      description = "How long one storage epoch lasts. Default: ${DEFAULT-VALUE}.")
  String epoch;

  @Option(names = "--max-epochs-ahead", defaultValue = "53", paramLabel = "N",
      description = "Furthest end epoch a blob may be stored for. Default: ${DEFAULT-VALUE}.")
  int maxEpochsAhead;

  @Option(names = "--gateway-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
      description = "Address the gateway listens on. Default: ${DEFAULT-VALUE}.")
  String gatewayHost;

  @Option(names = "--gateway-port", defaultValue = "7500", paramLabel = "PORT",
      description = "Port the gateway listens on. Default: ${DEFAULT-VALUE}.")
  int gatewayPort;

  @Option(names = "--ledger-url", paramLabel = "URL", description = "The ledger that records each availability"
      + " certificate, as the gateway reaches it. With it the kit holds the gateway's certificate keystore and"
      + " gateway.conf names the ledger; --ledger-id, --ledger-genesis and --passphrase-file go with it.")
  String ledgerUrl;

  @Option(names = "--ledger-id", paramLabel = "ID", description = "The ledger's id, as 'cachet ledger init' printed it.")
  String ledgerId;

  @Option(names = "--ledger-genesis", paramLabel = "HEX",
      description = "The ledger's genesis digest (0x and 64 hex digits), as 'cachet ledger init' printed it.")
  String ledgerGenesis;

  @Option(names = "--passphrase-file", paramLabel = "FILE", description = "With --ledger-url: the 0600 file whose first"
      + " line is the certificate keystore's passphrase; gateway.conf names it by its absolute path, so put it at"
      + " the same path on the gateway's machine.")
  Path passphraseFile;

  @Override
  public Integer call() throws IOException {
    NetworkConfig shape = shape();
    GatewayLedger ledger = GatewayLedger.of(ledgerUrl, ledgerId, ledgerGenesis, passphraseFile);
    Path root = dir.toAbsolutePath().normalize();
    refuseExisting(root);
    DurableFiles.privateDirectory(root);
    List<NodeInfo> infos = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      Path nodeDir = DurableFiles.privateDirectory(root.resolve("node-" + i));
      DurableFiles.privateDirectory(nodeDir.resolve("data"));
      NodeKey key = NodeKey.generate();
      try {
        writeKey(nodeDir.resolve("node.key"), key);
        infos.add(new NodeInfo("node-" + i, i, nodeUrls.get(i), key.publicKey()));
      } finally {
        key.destroy();
      }
    }
    Path gatewayDir = DurableFiles.privateDirectory(root.resolve("gateway"));
    NodeKey publisher = NodeKey.generate();
    String publisherHex;
    try {
      writeKey(gatewayDir.resolve("publisher.key"), publisher);
      publisherHex = HexFormat.of().formatHex(publisher.publicKey());
    } finally {
      publisher.destroy();
    }
    NetworkConfig network = new NetworkConfig(infos, shape.shardSize(), shape.epochs());
    byte[] descriptor = network.toJson().encodePrettily().getBytes(StandardCharsets.UTF_8);
    DurableFiles.write(root.resolve("network.json"), descriptor, false);
    for (int i = 0; i < nodes; i++) {
      Path nodeDir = root.resolve("node-" + i);
      DurableFiles.write(nodeDir.resolve("network.json"), descriptor, false);
      DurableFiles.write(nodeDir.resolve("node.conf"), nodeConf(i, publisherHex), false);
    }
    DurableFiles.write(gatewayDir.resolve("network.json"), descriptor, false);
    String certifier = ledger == null ? null : ledger.writeKeystore(gatewayDir);
    DurableFiles.write(gatewayDir.resolve("gateway.conf"), gatewayConf(ledger), false);
    tell(root, network, publisherHex, certifier);
    return ExitCodes.OK;
  }

  /** The network's shape from the options, checked before anything is written (no keys yet). */
  private NetworkConfig shape() {
    if (nodes < 1) {
      throw new UsageException("--nodes must be at least 1, was " + nodes);
    }
    if (nodeUrls.size() != nodes) {
      throw new UsageException("--node-url was given " + nodeUrls.size() + " times for --nodes " + nodes
          + "; give one URL per node, in index order");
    }
    Set<String> seen = new HashSet<>();
    for (String url : nodeUrls) {
      checkUrl(url);
      if (!seen.add(url)) {
        throw new UsageException("--node-url " + url + " is given twice; each node needs its own address");
      }
    }
    if (gatewayPort < 0 || gatewayPort > 65535) {
      throw new UsageException("--gateway-port must be 0..65535, was " + gatewayPort);
    }
    Settings s;
    long shard;
    Duration epochLength;
    try {
      s = Settings.parse("network", List.of("shard-size", "epoch"),
          "shard-size = " + shardSize + "\nepoch = " + epoch, "the command line");
      shard = s.size("shard-size", 1 << 20);
      epochLength = s.duration("epoch", Duration.ofHours(1));
    } catch (ConfigException e) {
      throw new UsageException(e.getMessage().replaceFirst(" line [0-9]+", ""));
    }
    if (shard < 1 || shard > Integer.MAX_VALUE) {
      throw new UsageException("--shard-size must be 1 byte to 2 GiB, was " + shardSize);
    }
    List<NodeInfo> placeholders = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      placeholders.add(new NodeInfo("node-" + i, i, nodeUrls.get(i), new byte[32]));
    }
    try {
      return new NetworkConfig(placeholders, (int) shard,
          new EpochSchedule(Clock.systemUTC().millis(), epochLength.toMillis(), maxEpochsAhead));
    } catch (IllegalArgumentException e) {
      throw new UsageException("this network cannot be built: " + e.getMessage());
    }
  }

  private static void checkUrl(String url) {
    try {
      URI u = new URI(url);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
          || u.getPort() < 1 || (u.getPath() != null && !u.getPath().isEmpty())) {
        throw new UsageException("--node-url " + url + " is not http://HOST:PORT");
      }
    } catch (URISyntaxException e) {
      throw new UsageException("--node-url " + url + " is not a URL");
    }
  }

  private static void refuseExisting(Path root) throws IOException {
    if (Files.exists(root)) {
      boolean empty;
      try (Stream<Path> entries = Files.isDirectory(root) ? Files.list(root) : Stream.of(root)) {
        empty = Files.isDirectory(root) && entries.findAny().isEmpty();
      }
      if (!empty) {
        throw new UsageException(KIT_EXISTS, root + " exists and is not empty; a kit is never overwritten",
            "Choose a new directory; the keys of the kit there are its network's identity.");
      }
    }
  }

  private static void writeKey(Path file, NodeKey key) throws IOException {
    byte[] seed = key.seed();
    try {
      DurableFiles.write(file, seed, true);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  private byte[] nodeConf(int index, String publisherHex) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("network", "network.json");
    values.put("index", Integer.toString(index));
    values.put("node-key", "node.key");
    values.put("data-dir", "data");
    values.put("trusted-publishers", publisherHex);
    String text = ConfigText.render("cachet node serve: node-" + index + " (" + nodeUrls.get(index) + ");"
        + " host and port default to its URL's", values);
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] gatewayConf(GatewayLedger ledger) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("network", "network.json");
    values.put("publisher-key", "publisher.key");
    values.put("host", gatewayHost);
    values.put("port", Integer.toString(gatewayPort));
    if (ledger != null) {
      values.putAll(ledger.settings());
    }
    String text = ConfigText.render(ledger != null ? "cachet gateway serve; certificates are recorded on ledger "
        + ledger.id() : "cachet gateway serve; set ledger-url, ledger-id, ledger-genesis, certificate-keystore and"
        + " passphrase-env to record certificates on a ledger", values);
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private void tell(Path root, NetworkConfig network, String publisherHex, String certifier) {
    PrintWriter out = spec.commandLine().getOut();
    out.println("Wrote the kit of a " + network.n() + "-node network (f = " + network.f() + ", a certificate needs "
        + network.quorum() + " nodes) in " + root + ":");
    for (NodeInfo n : network.nodes()) {
      out.println("  " + root.resolve(n.id()) + "/  ->  the machine at " + n.url() + ";  run: cachet node serve"
          + " --config " + n.id() + "/node.conf");
    }
    out.println("  " + root.resolve("gateway") + "/  ->  the gateway's machine;  run: cachet gateway serve --config"
        + " gateway/gateway.conf");
    out.println("  " + root.resolve("network.json") + "  ->  clients (public)");
    out.println("The publisher's public key, trusted by every node: " + publisherHex);
    if (certifier != null) {
      out.println("The gateway records certificates on ledger " + ledgerId + " as " + certifier);
    }
    out.println("Keep a copy of the kit's keys offline: a lost node key or publisher key cannot be made again.");
    out.flush();
  }
}
