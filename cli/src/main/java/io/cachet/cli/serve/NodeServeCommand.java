package io.cachet.cli.serve;

import io.cachet.cli.ExitCodes;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.ConfigText;
import io.cachet.common.config.Settings;
import io.cachet.common.config.StartupChecks;
import io.cachet.common.process.Termination;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.NodeConfig;
import io.cachet.storage.node.NodeKey;
import io.cachet.storage.node.NodeKeys;
import io.cachet.storage.node.StorageNode;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cachet node serve}: one storage node as its own process, from a configuration file (keys
 * in docs/DEPLOY.md). Before it listens it checks, in this order, refusing with the key's name:
 * the network descriptor, the index within it, the data directory (it must exist), the key file
 * (owner-only), that the key is the one the network lists for the index, the trusted publishers,
 * and the port. It then serves until SIGTERM or SIGINT, and stops by refusing new connections,
 * letting requests under way finish, and closing its store (fsynced) before it exits 0.
 */
@Command(name = "serve", description = "Run this storage node until SIGTERM.")
public final class NodeServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(NodeServeCommand.class);
  /** Environment variables read {@code CACHET_NODE_<KEY>}. */
  static final String PART = "node";
  /** Every key a node's configuration may set. */
  static final List<String> KEYS = List.of("network", "index", "node-key", "data-dir", "host", "port",
      "trusted-publishers", "publisher-key-file", "gc-interval", "upload-ttl", "clock-offset");
  /** Longest the node may take to open its store and listen. */
  private static final long START_BOUND_SECONDS = 120;

  @Spec
  CommandSpec spec;

  @Mixin
  ServeOptions options;

  /** The settings read and checked, before anything starts. */
  record Plan(NodeConfig node, Map<String, String> effective) {}

  @Override
  public Integer call() throws Exception {
    Plan plan = plan(options.load(PART, KEYS), !options.printConfig());
    if (options.printConfig()) {
      spec.commandLine().getOut().print(ConfigText.render("cachet node serve", plan.effective()));
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
    StartupChecks.portFree(plan.node().host(), plan.node().port(), "port");
    if (options.check()) {
      spec.commandLine().getOut().println("node " + plan.node().node().id() + ": the configuration is usable");
      return ExitCodes.OK;
    }
    serve(plan.node());
    return ExitCodes.OK;
  }

  /** Reads every key and runs the checks that need no port; {@code checkFiles} false only prints. */
  static Plan plan(Settings s, boolean checkFiles) throws IOException {
    NetworkConfig network = StorageSettings.network(s, "network");
    int index = s.integer("index", -1);
    if (!s.has("index")) {
      s.required("index");
    }
    if (index < 0 || index >= network.n()) {
      throw s.invalid("index", "must be 0.." + (network.n() - 1) + " (the network has " + network.n() + " nodes)");
    }
    NodeInfo self = network.nodes().get(index);
    Path dataDir = StorageSettings.requiredPath(s, "data-dir");
    Path keyFile = s.path("node-key", dataDir.resolve(NodeKeys.KEY_FILE));
    String host = s.string("host", StorageSettings.host(self.url()));
    int port = s.integer("port", StorageSettings.port(self.url()));
    if (port < 0 || port > 65535) {
      throw s.invalid("port", "must be 0..65535");
    }
    Duration gc = s.duration("gc-interval", Duration.ofMillis(NodeConfig.DEFAULT_GC_INTERVAL_MILLIS));
    Duration ttl = s.duration("upload-ttl", Duration.ofMillis(NodeConfig.DEFAULT_UPLOAD_TTL_MILLIS));
    if (gc.toMillis() < 1) {
      throw s.invalid("gc-interval", "must be at least 1ms");
    }
    if (ttl.toMillis() < 1) {
      throw s.invalid("upload-ttl", "must be at least 1ms");
    }
    Duration offset = s.signedDuration("clock-offset", Duration.ZERO);
    List<byte[]> publishers = new ArrayList<>(StorageSettings.hexKeys(s.list("trusted-publishers"),
        "trusted-publishers", s));
    Path publisherFile = s.path("publisher-key-file", null);
    if (publisherFile != null && checkFiles) {
      publishers.addAll(publicKeysIn(publisherFile, s));
    }
    if (checkFiles) {
      StartupChecks.directory(dataDir, "data-dir");
      StartupChecks.privateFile(keyFile, "node-key");
      checkKey(keyFile, self, index, s);
      if (publishers.isEmpty()) {
        throw new ConfigException("trusted-publishers: none given (nor publisher-key-file): the node would refuse"
            + " every write; give the gateway's publisher public key");
      }
    }
    Clock clock = StorageSettings.clock(s);
    NodeConfig node = new NodeConfig(dataDir, index, network, host, port, gc.toMillis(), ttl.toMillis(),
        clock::millis, publishers, keyFile);
    Map<String, String> effective = new LinkedHashMap<>();
    effective.put("network", s.path("network", null).toString());
    effective.put("index", Integer.toString(index));
    effective.put("node-key", keyFile.toString());
    effective.put("data-dir", dataDir.toString());
    effective.put("host", host);
    effective.put("port", Integer.toString(port));
    effective.put("trusted-publishers", String.join(",", s.list("trusted-publishers")));
    effective.put("publisher-key-file", publisherFile == null ? "" : publisherFile.toString());
    effective.put("gc-interval", ConfigText.duration(gc));
    effective.put("upload-ttl", ConfigText.duration(ttl));
    effective.put("clock-offset", ConfigText.duration(offset));
    return new Plan(node, effective);
  }

  /** Refuses a key that is not the one the network lists for this index: the node would sign as another. */
  private static void checkKey(Path keyFile, NodeInfo self, int index, Settings s) {
    NodeKey key;
    try {
      key = NodeKeys.load(keyFile.toAbsolutePath().getParent(), keyFile.getFileName().toString());
    } catch (IOException e) {
      throw new ConfigException("node-key (from " + s.origin("node-key") + "): " + e.getMessage());
    }
    try {
      if (!self.hasKey(key.publicKey())) {
        throw new ConfigException("node-key (from " + s.origin("node-key") + "): " + keyFile + " is not the key"
            + " the network lists for " + self.id() + " (index " + index + "); give this node's own key, or the"
            + " index the key belongs to");
      }
    } finally {
      key.destroy();
    }
  }

  /** The publisher keys in a file: 64 hex digits a line, {@code #} lines skipped. */
  private static List<byte[]> publicKeysIn(Path file, Settings s) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw s.invalid("publisher-key-file", "names no file");
    }
    List<String> lines = Files.readAllLines(file).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    return StorageSettings.hexKeys(lines, "publisher-key-file", s);
  }

  private static void serve(NodeConfig config) throws Exception {
    ServeOptions.logEvents();
    Vertx vertx = Vertx.vertx();
    StorageNode node = new StorageNode(config);
    try {
      vertx.deployVerticle(node).await(START_BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close().await(30, TimeUnit.SECONDS);
      throw new IOException("node " + config.node().id() + " did not start: " + e.getMessage(), e);
    }
    LOG.info("event=node_serving node={} index={} address={}:{} data_dir={} public_key={}", config.node().id(),
        config.index(), config.host(), node.actualPort(), config.dataDir(),
        HexFormat.of().formatHex(config.node().publicKey()));
    Termination.onSignal(PART, () -> StorageProcess.close(vertx, "node"));
    StorageProcess.awaitSignal();
  }
}
