package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.network.NetworkLayout;
import io.cachet.cli.serve.StorageCommittee;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.ServerLimits;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.VerifyingKey;
import io.cachet.keyserver.KeyServer;
import io.cachet.client.ChainDescriptor;
import io.cachet.client.ClientConfig;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.keyserver.KeyServerEvmConfig;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.server.LedgerServer;
import io.cachet.storage.BlobId;
import io.cachet.storage.gateway.CertificateSink;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.network.AvailabilityCertificate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A whole Cachet network on this machine, every part a real server on 127.0.0.1: the ledger
 * (sequencer, journal, HTTP API), key servers following it, and the storage network (nodes and
 * gateway) whose availability certificates the ledger records. All state lives under one
 * directory, so a devnet stopped and started again is the same network: same keys, same ports,
 * same ledger, same blobs.
 *
 * <p>Layout: {@code ledger/} (journal), {@code ks-N/} (a key server's keys and audit log),
 * {@code storage/} (nodes and gateway), {@code secrets/} (0700: the sequencer's and the gateway's
 * keystores and the passphrases of everything; a devnet is for development, its secrets sit on
 * disk beside it), {@code devnet.json} (ports), {@code cachet-network.json} (what clients read).
 * The viewer page ({@link DevnetViewer}) is served beside the parts, and the key servers, the
 * gateway and the ledger let its origin in ({@code cors-origins}).
 * Started with {@link Options#evm}, anvil ({@link DevnetAnvil}, state in {@code anvil/}) replaces the ledger.
 * A lock file keeps two processes off one directory.
 */
public final class Devnet implements AutoCloseable {
  public static final String DESCRIPTOR = "cachet-network.json";
  /**
   * Environment variable: more JVM options for the background process of {@code cachet devnet up},
   * space-separated, after its own. A developer's knob: the CLI module's tests start their daemons
   * with the client compiler only, but for the viewer classes', through which 256 MiB pass.
   */
  public static final String DAEMON_JVM_OPTIONS = "CACHET_DEVNET_JVM_OPTIONS";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The shape of a devnet. Defaults: the embedded ledger; 3 key servers, any 2 of them; 7 storage
   * nodes; 1 h epochs. {@code evm}: policies on a local anvil chain instead of the embedded ledger.
   */
  public record Options(int keyServers, int threshold, int storageNodes, int shardSize, Duration epoch,
      Duration heartbeat, String ledgerId, int defaultEpochs, boolean evm) {
    public static Options defaults() {
      return new Options(3, 2, 7, 1 << 20, Duration.ofHours(1), Duration.ofMillis(500), "cachet-devnet", 5, false);
    }

    public Options withShardSize(int bytes) {
      return new Options(keyServers, threshold, storageNodes, bytes, epoch, heartbeat, ledgerId, defaultEpochs, evm);
    }

    /** Policies on an EVM chain (anvil, started and stopped with the devnet) instead of the embedded ledger. */
    public Options withEvm(boolean onEvm) {
      return new Options(keyServers, threshold, storageNodes, shardSize, epoch, heartbeat, ledgerId, defaultEpochs,
          onEvm);
    }
  }

  /** The chain kinds devnet.json records under {@code chain}. */
  static final String CHAIN_EMBEDDED = "embedded";
  static final String CHAIN_EVM = "evm";

  private final Path dir;
  private final Options options;
  private final Vertx vertx;
  private final DevnetLock lock;
  private final Identity sequencerKey;
  private final Identity gatewayKey;
  private final ObjectNode ports;
  private final List<KeyServerConfig> keyServerConfigs = new ArrayList<>();
  private final List<char[]> keyServerPassphrases = new ArrayList<>();
  private final KeyServer[] keyServers;
  private volatile Sequencer sequencer;
  private String ledgerDeployment;
  private LocalNetwork storage;
  private final Object certificateLock = new Object();
  /** The EVM chain on a devnet of {@code --chain evm}; null on the embedded ledger. */
  private final DevnetAnvil anvil;
  private DevnetViewer viewer;
  /** The descriptor as last written, which the viewer serves; null until then. */
  private volatile String descriptorText;

  private Devnet(Path dir, Options options) throws Exception {
    this.dir = dir.toAbsolutePath();
    this.options = options;
    // private: key-server data, audit logs and secrets live under it
    DurableFiles.privateDirectory(this.dir);
    lock = DevnetLock.take(this.dir);
    this.vertx = Vertx.vertx();
    Path secrets = this.dir.resolve("secrets");
    if (!Files.isDirectory(secrets)) {
      Files.createDirectories(secrets);
      try {
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rwx------"));
      } catch (UnsupportedOperationException e) {
        // not POSIX: the platform's defaults apply
      }
    }
    this.sequencerKey = DevnetSecrets.identity(secrets, "sequencer");
    this.gatewayKey = DevnetSecrets.identity(secrets, "gateway");
    this.ports = readPorts();
    String recorded = ports.path("chain").asText(CHAIN_EMBEDDED);
    String wanted = options.evm() ? CHAIN_EVM : CHAIN_EMBEDDED;
    if ((ports.has("ledger") || ports.has("anvil")) && !recorded.equals(wanted)) {
      sequencerKey.destroy();
      gatewayKey.destroy();
      lock.close();
      vertx.close();
      throw new DevnetException("the devnet in " + this.dir + " keeps its policies on the " + recorded
          + " chain, not " + wanted + ": start it with --chain " + recorded + ", or give another --dir");
    }
    ports.put("chain", wanted);
    this.anvil = options.evm() ? new DevnetAnvil(this.dir, ports) : null;
    this.keyServers = new KeyServer[options.keyServers()];
  }

  /** Creates the devnet in {@code dir}, or opens the one there, and starts every part. */
  public static Devnet start(Path dir, Options options) throws Exception {
    Devnet d = new Devnet(dir, options);
    try {
      d.startAll();
      return d;
    } catch (Exception | Error e) {
      d.close();
      throw e;
    }
  }

  private void startAll() throws Exception {
    // first: every server below lets the viewer's origin in, so its port must be known
    viewer = DevnetViewer.start(vertx, port("viewer"), () -> descriptorText);
    ports.put("viewer", viewer.port());
    if (anvil != null) {
      startEvm();
      return;
    }
    startLedger();
    startKeyServers(id -> KeyServerConfig.defaults(id, dir.resolve(id), ledgerUrl(), options.ledgerId(),
        sequencerKey.verifyingKey()).with(Map.of("port", Integer.toString(port(id)), "ledger-poll-wait", "2s",
            "genesis-digest", sequencer.ledger().genesisHex(), CorsPolicy.KEY, corsOrigins()))
        .with(NetworkLayout.KEY_FILE_KDF));
    storage = LocalNetwork.start(vertx, dir.resolve("storage"), LocalNetwork.Options.defaults()
        .withNodes(options.storageNodes(), options.shardSize())
        .withClock(System::currentTimeMillis, options.epoch().toMillis())
        .withCors(viewerCors())
        .withSink(new LedgerSink())).await(120, TimeUnit.SECONDS);
    recordStorageCommittee();
    writePorts();
    writeDescriptor();
  }

  /** As {@link #startAll}, with anvil in place of the ledger; the blob registry records certificates. */
  private void startEvm() throws Exception {
    anvil.start();
    writePorts();
    startKeyServers(id -> KeyServerConfig.defaultsEvm(id, dir.resolve(id),
        KeyServerEvmConfig.of(anvil.rpcUrl(), anvil.chainId())).with(Map.of("port", Integer.toString(port(id)),
            CorsPolicy.KEY, corsOrigins())).with(NetworkLayout.KEY_FILE_KDF));
    storage = LocalNetwork.start(vertx, dir.resolve("storage"), LocalNetwork.Options.defaults()
        .withNodes(options.storageNodes(), options.shardSize())
        .withClock(System::currentTimeMillis, options.epoch().toMillis())
        .withCors(viewerCors())
        .withSink(anvil.sink(vertx))).await(120, TimeUnit.SECONDS);
    writePorts();
    writeDescriptor();
  }

  /** The viewer page's address: {@code http://127.0.0.1:PORT/}. */
  public String viewerUrl() {
    return viewer.url();
  }

  /** What the devnet's servers let in: the viewer page's origin, and those {@code devnet up --cors-origin} added. */
  private CorsPolicy viewerCors() {
    return CorsPolicy.parse(corsOrigins());
  }

  /** The {@code cors-origins} value of the parts a page calls; devnet.json keeps the extra origins. */
  private String corsOrigins() {
    return DevnetCors.value(viewer.origin(), DevnetCors.of(ports));
  }

  /** True if this devnet's policies live on its anvil chain. */
  public boolean isEvm() {
    return anvil != null;
  }

  /** The anvil chain's RPC URL; only on an EVM devnet. */
  public java.net.URI evmRpcUrl() {
    return requireEvm().rpcUrl();
  }

  /** Sends gas money to {@code who} from one of anvil's dev accounts (public test keys) unless it has some; EVM devnets only. */
  public void fundEvm(io.cachet.crypto.Address who) throws Exception {
    DevnetAnvil.fund(requireEvm().rpcUrl(), who);
  }

  private DevnetAnvil requireEvm() {
    if (anvil == null) {
      throw new IllegalStateException("this devnet keeps its policies on the embedded ledger");
    }
    return anvil;
  }

  // ---------------------------------------------------------------- parts

  /** Every part that can be stopped and started: {@code ledger}, {@code ks-N}, {@code node-N}. */
  public List<String> parts() {
    List<String> p = new ArrayList<>();
    p.add(anvil != null ? "anvil" : "ledger");
    for (int i = 1; i <= options.keyServers(); i++) {
      p.add("ks-" + i);
    }
    for (int i = 0; i < options.storageNodes(); i++) {
      p.add("node-" + i);
    }
    return p;
  }

  /** Stops one part; the rest keep running. Stopping a stopped part does nothing. */
  public synchronized void stop(String part) throws Exception {
    if (anvil != null && part.equals("anvil")) {
      anvil.stop();
    } else if (anvil == null && part.equals("ledger")) {
      if (ledgerDeployment != null) {
        vertx.undeploy(ledgerDeployment).await(30, TimeUnit.SECONDS);
        ledgerDeployment = null;
        sequencer.close();
      }
    } else if (part.startsWith("ks-")) {
      int i = keyServerIndex(part);
      if (keyServers[i - 1] != null) {
        keyServers[i - 1].closeAndWait();
        keyServers[i - 1] = null;
      }
    } else if (part.startsWith("node-")) {
      int i = nodeIndex(part);
      if (storage.nodeRunning(i)) {
        storage.stopNode(i).await(30, TimeUnit.SECONDS);
      }
    } else {
      throw unknownPart(part);
    }
  }

  /** Starts a stopped part again, on its old port, from its old state. */
  public synchronized void start(String part) throws Exception {
    if (anvil != null && part.equals("anvil")) {
      if (!anvil.running()) {
        anvil.start();
      }
    } else if (anvil == null && part.equals("ledger")) {
      if (ledgerDeployment == null) {
        startLedger();
      }
    } else if (part.startsWith("ks-")) {
      int i = keyServerIndex(part);
      if (keyServers[i - 1] == null) {
        startKeyServer(i);
      }
    } else if (part.startsWith("node-")) {
      int i = nodeIndex(part);
      if (!storage.nodeRunning(i)) {
        storage.startNode(i).await(30, TimeUnit.SECONDS);
      }
    } else {
      throw unknownPart(part);
    }
  }

  /** Each part, whether it runs, and where. */
  public synchronized Map<String, PartStatus> status() {
    Map<String, PartStatus> s = new LinkedHashMap<>();
    if (anvil != null) {
      s.put("anvil", new PartStatus("anvil", anvil.running(), anvil.rpcUrl().toString()));
    } else {
      s.put("ledger", new PartStatus("ledger", ledgerDeployment != null, ledgerUrl()));
    }
    for (int i = 1; i <= options.keyServers(); i++) {
      s.put("ks-" + i, new PartStatus("ks-" + i, keyServers[i - 1] != null, "http://127.0.0.1:" + port("ks-" + i)));
    }
    for (int i = 0; i < options.storageNodes(); i++) {
      s.put("node-" + i, new PartStatus("node-" + i, storage.nodeRunning(i), storage.network().nodes().get(i).url()));
    }
    s.put("gateway", new PartStatus("gateway", true, storage.gatewayUrl()));
    return s;
  }

  /** One part's state as {@link #status} reports it. */
  public record PartStatus(String name, boolean running, String url) {}

  private int keyServerIndex(String part) {
    try {
      int i = Integer.parseInt(part.substring(3));
      if (i >= 1 && i <= options.keyServers()) {
        return i;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw unknownPart(part);
  }

  private int nodeIndex(String part) {
    try {
      int i = Integer.parseInt(part.substring(5));
      if (i >= 0 && i < options.storageNodes()) {
        return i;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw unknownPart(part);
  }

  private DevnetException unknownPart(String part) {
    return new DevnetException("no part named '" + part + "'; the parts are " + String.join(", ", parts()));
  }

  // ---------------------------------------------------------------- ledger

  private void startLedger() throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir.resolve("ledger"), options.ledgerId(), options.heartbeat(),
        Clock.systemUTC()), sequencerKey);
    LedgerServer server = new LedgerServer(sequencer, "127.0.0.1", port("ledger"), ServerLimits.defaults(),
        viewerCors());
    ledgerDeployment = vertx.deployVerticle(server).await(30, TimeUnit.SECONDS);
    ports.put("ledger", server.port());
  }

  public String ledgerUrl() {
    return "http://127.0.0.1:" + port("ledger");
  }

  /** The newest block's height: the ledger's, or anvil's (-1 while it is stopped). */
  public long ledgerHeight() {
    return anvil != null ? anvil.height() : sequencer.head().height();
  }

  /** The availability certificate the ledger recorded for a blob, or null. */
  public LedgerState.Certificate certificate(BlobId blob) {
    return sequencer.state().certificate(blob.toString());
  }

  /**
   * Records each certificate the gateway hands over as a ledger transaction, signed by the
   * devnet's gateway identity, and answers once it is committed (so a put that succeeded is on the
   * ledger). Serialised: each transaction takes the gateway's next nonce.
   */
  private final class LedgerSink implements CertificateSink {
    @Override
    public Future<Void> record(AvailabilityCertificate c) {
      return vertx.executeBlocking(() -> {
        List<Operation.NodeSignature> sigs = c.confirmations().stream()
            .map(x -> new Operation.NodeSignature(x.nodeId(), VerifyingKey.of(x.publicKey()), x.signature()))
            .toList();
        Operation op = new Operation.RecordCertificate(c.blobId().bytes(), c.size(), c.endEpoch(), sigs);
        synchronized (certificateLock) {
          Sequencer s = sequencer;
          long nonce = s.state().nextNonce(gatewayKey.address());
          s.submit(Transaction.sign(gatewayKey, s.ledger(), nonce, op)).get(30, TimeUnit.SECONDS);
        }
        return null;
      }, false);
    }
  }

  /**
   * Tells the ledger which storage nodes' confirmations count, and how many make a certificate
   * (2f + 1): the ledger refuses certificates from anyone else. Signed by the sequencer's identity,
   * the ledger's operator; submitted only when the ledger's committee is not this network's already
   * (the journal keeps it across restarts).
   */
  private void recordStorageCommittee() throws Exception {
    StorageCommittee.ensure(sequencer, sequencerKey, storage.network());
  }

  // ---------------------------------------------------------------- key servers

  private void startKeyServers(java.util.function.Function<String, KeyServerConfig> config) throws Exception {
    for (int i = 1; i <= options.keyServers(); i++) {
      String id = "ks-" + i;
      keyServerPassphrases.add(DevnetSecrets.passphrase(dir.resolve("secrets"), id));
      keyServerConfigs.add(config.apply(id));
      startKeyServer(i);
    }
  }

  private void startKeyServer(int i) throws Exception {
    KeyServerConfig c = keyServerConfigs.get(i - 1).with("port", Integer.toString(port("ks-" + i)));
    KeyServer s = KeyServer.start(vertx, c, keyServerPassphrases.get(i - 1).clone(), Clock.systemUTC())
        .await(60, TimeUnit.SECONDS);
    keyServers[i - 1] = s;
    ports.put("ks-" + i, s.port());
    if (anvil == null && ledgerDeployment != null) {
      s.awaitLedgerHeight(sequencer.head().height()).await(30, TimeUnit.SECONDS);
    }
  }

  /** The running key server {@code ks-N}, or null if stopped. */
  public KeyServer keyServer(int i) {
    return keyServers[i - 1];
  }

  // ---------------------------------------------------------------- storage

  public LocalNetwork storage() {
    return storage;
  }

  public String gatewayUrl() {
    return storage.gatewayUrl();
  }

  // ---------------------------------------------------------------- files

  public Path dir() {
    return dir;
  }

  public Path descriptorFile() {
    return dir.resolve(DESCRIPTOR);
  }

  /** The network descriptor clients read: public URLs and keys only. */
  public String descriptor() {
    ClientConfig.Builder b = ClientConfig.builder().threshold(options.threshold())
        .storage(URI.create(storage.gatewayUrl()), URI.create(storage.gatewayUrl()))
        .defaultEpochs(options.defaultEpochs());
    if (anvil != null) {
      b.chain(ChainDescriptor.evm(anvil.rpcUrl(), anvil.chainId(), 0, anvil.addresses().policies(),
          anvil.addresses().blobRegistry()).withDeployBlock(anvil.addresses().deployBlock()));
    } else {
      // the genesis pinned, so that a client refuses a devnet started again from nothing under the same id
      b.ledger(URI.create(ledgerUrl()), options.ledgerId(), sequencerKey.verifyingKey())
          .genesisDigest(sequencer.ledger().genesisDigest());
    }
    for (int i = 1; i <= options.keyServers(); i++) {
      b.keyServer("ks-" + i, URI.create("http://127.0.0.1:" + port("ks-" + i)), signingKey(i));
    }
    return b.build().toJson();
  }

  /** A key server's signing key, remembered in devnet.json so the descriptor can be written while it is down. */
  private VerifyingKey signingKey(int i) {
    KeyServer s = keyServers[i - 1];
    if (s != null) {
      VerifyingKey k = s.descriptor().verifyingKey();
      ports.with("signingKeys").put("ks-" + i, Base64Url.encode(k.bytes()));
      return k;
    }
    try {
      return VerifyingKey.parse(ports.path("signingKeys").path("ks-" + i).asText());
    } catch (FormatException e) {
      throw new IllegalStateException("ks-" + i + " has not run yet", e);
    }
  }

  private void writeDescriptor() throws IOException {
    String text = descriptor();
    DurableFiles.write(descriptorFile(), text.getBytes(StandardCharsets.UTF_8), false);
    descriptorText = text;
    writePorts();
  }

  private int port(String part) {
    JsonNode p = ports.get(part);
    return p == null ? 0 : p.asInt();
  }

  private ObjectNode readPorts() throws IOException {
    Path f = dir.resolve("devnet.json");
    if (!Files.exists(f)) {
      return JSON.createObjectNode();
    }
    JsonNode n = JSON.readTree(f.toFile());
    if (n == null || !n.isObject()) {
      throw new DevnetException(f + " is damaged; remove the devnet directory to start afresh");
    }
    ObjectNode o = (ObjectNode) n;
    for (String part : List.of("ledger", "anvil", "viewer")) {
      if (o.has(part) && !freePort(o.get(part).asInt())) {
        throw new DevnetException("port " + o.get(part).asInt() + " of the devnet's " + part + " is taken by"
            + " another program");
      }
    }
    return o;
  }

  private void writePorts() throws IOException {
    DurableFiles.write(dir.resolve("devnet.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(ports), false);
  }

  private static boolean freePort(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops every part (clients see connections refused from here on) and releases the directory. */
  @Override
  public synchronized void close() {
    for (int i = 0; i < keyServers.length; i++) {
      if (keyServers[i] != null) {
        try {
          keyServers[i].closeAndWait();
        } catch (Exception e) {
          // closing anyway
        }
        keyServers[i] = null;
      }
    }
    if (storage != null) {
      try {
        storage.close().await(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // closing anyway
      }
    }
    if (ledgerDeployment != null) {
      try {
        vertx.undeploy(ledgerDeployment).await(30, TimeUnit.SECONDS);
        sequencer.close();
      } catch (Exception e) {
        // closing anyway
      }
      ledgerDeployment = null;
    }
    if (anvil != null) {
      anvil.close();
    }
    if (viewer != null) {
      viewer.close();
    }
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    keyServerPassphrases.forEach(p -> Arrays.fill(p, '\0'));
    sequencerKey.destroy();
    if (anvil != null) {
      try {
        writePorts();
      } catch (IOException e) {
        // devnet.json was written at start; only the last status is lost
      }
    }
    gatewayKey.destroy();
    lock.close();
  }
}
