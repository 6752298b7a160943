package io.cachet.storage.local;

import io.cachet.common.http.CorsPolicy;
import io.cachet.storage.gateway.CertificateSink;
import io.cachet.storage.gateway.Gateway;
import io.cachet.storage.gateway.GatewayConfig;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.NodeConfig;
import io.cachet.storage.node.NodeKey;
import io.cachet.storage.node.NodeKeys;
import io.cachet.storage.node.StorageNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The embedded storage network: n storage nodes and one gateway, real HTTP servers on loopback,
 * all state under one directory. The first start fixes the network (node keys, ports, genesis
 * time) in {@code network.json}; later starts on the same directory bring back the same network,
 * so blobs stored before are served again.
 *
 * <pre>
 * root/network.json    the NetworkConfig, written once
 * root/gateway.port    the gateway's port, chosen once
 * root/publisher.key   the gateway's write key (32-byte Ed25519 seed, owner-only); every node trusts it
 * root/node-0 .. n-1   one data directory per node
 * </pre>
 */
public final class LocalNetwork {
  /** How to build a new network; ignored (but the clock and intervals) when {@code root} has one. */
  public record Options(int nodes, int shardSize, long epochMillis, int maxEpochsAhead, long maxBlobSize,
      long repairIntervalMillis, long auditIntervalMillis, LongSupplier clock, CertificateSink sink,
      CorsPolicy cors) {

    public static Options defaults() {
      return new Options(7, 1 << 20, 60 * 60 * 1000L, 53, GatewayConfig.DEFAULT_MAX_BLOB_SIZE, 60_000, 30_000,
          System::currentTimeMillis, CertificateSink.NONE, CorsPolicy.off());
    }

    public Options withNodes(int n, int shardSize) {
      return new Options(n, shardSize, epochMillis, maxEpochsAhead, maxBlobSize, repairIntervalMillis,
          auditIntervalMillis, clock, sink, cors);
    }

    public Options withClock(LongSupplier clock, long epochMillis) {
      return new Options(nodes, shardSize, epochMillis, maxEpochsAhead, maxBlobSize, repairIntervalMillis,
          auditIntervalMillis, clock, sink, cors);
    }

    public Options withIntervals(long repairMillis, long auditMillis) {
      return new Options(nodes, shardSize, epochMillis, maxEpochsAhead, maxBlobSize, repairMillis, auditMillis,
          clock, sink, cors);
    }

    public Options withMaxBlobSize(long max) {
      return new Options(nodes, shardSize, epochMillis, maxEpochsAhead, max, repairIntervalMillis,
          auditIntervalMillis, clock, sink, cors);
    }

    /** The gateway lets pages of {@code policy}'s origins read blobs from a browser. */
    public Options withCors(CorsPolicy policy) {
      return new Options(nodes, shardSize, epochMillis, maxEpochsAhead, maxBlobSize, repairIntervalMillis,
          auditIntervalMillis, clock, sink, policy);
    }

    public Options withSink(CertificateSink sink) {
      return new Options(nodes, shardSize, epochMillis, maxEpochsAhead, maxBlobSize, repairIntervalMillis,
          auditIntervalMillis, clock, sink, cors);
    }
  }

  /** The gateway's write key under the root; the nodes trust its public key. */
  public static final String PUBLISHER_KEY_FILE = "publisher.key";

  private final Vertx vertx;
  private final Path root;
  private final Options options;
  private final NetworkConfig network;
  private final NodeKey publisherKey;
  private final String[] nodeDeployments;
  private final StorageNode[] nodes;
  private Gateway gateway;
  private String gatewayDeployment;

  private LocalNetwork(Vertx vertx, Path root, Options options, NetworkConfig network, NodeKey publisherKey) {
    this.publisherKey = publisherKey;
    this.vertx = vertx;
    this.root = root;
    this.options = options;
    this.network = network;
    this.nodeDeployments = new String[network.n()];
    this.nodes = new StorageNode[network.n()];
  }

  /**
   * Settings for another gateway over these nodes (a second front door, say): the network's own
   * defaults and the publisher key its nodes trust, on an ephemeral port.
   */
  public GatewayConfig gatewayConfig() {
    return GatewayConfig.defaults(network, publisherKey).withClock(options.clock());
  }

  /** Starts the network under {@code root}, creating it on first use. Blocking file work: call off the event loop. */
  public static Future<LocalNetwork> start(Vertx vertx, Path root, Options options) {
    NetworkConfig network;
    NodeKey publisherKey;
    try {
      network = loadOrCreate(root, options);
      publisherKey = NodeKeys.loadOrCreate(root, PUBLISHER_KEY_FILE);
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    LocalNetwork net = new LocalNetwork(vertx, root, options, network, publisherKey);
    List<Future<?>> starts = new ArrayList<>();
    for (int i = 0; i < network.n(); i++) {
      starts.add(net.startNode(i));
    }
    return Future.all(starts).compose(v -> net.startGateway()).map(v -> net);
  }

  private static NetworkConfig loadOrCreate(Path root, Options options) throws IOException {
    Path file = root.resolve("network.json");
    if (Files.exists(file)) {
      NetworkConfig network = NetworkConfig.fromJson(new JsonObject(Files.readString(file)));
      checkDistinctPorts(network, file);
      return network;
    }
    Files.createDirectories(root);
    List<NodeInfo> infos = new ArrayList<>();
    int[] ports = freePorts(options.nodes());
    for (int i = 0; i < options.nodes(); i++) {
      NodeKey key = NodeKeys.loadOrCreate(nodeDir(root, i));
      infos.add(new NodeInfo("node-" + i, i, "http://127.0.0.1:" + ports[i], key.publicKey()));
      key.destroy();
    }
    NetworkConfig network = new NetworkConfig(infos, options.shardSize(),
        new EpochSchedule(options.clock().getAsLong(), options.epochMillis(), options.maxEpochsAhead()));
    Path tmp = root.resolve("network.json.tmp");
    Files.writeString(tmp, network.toJson().encodePrettily(), StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return network;
  }

  private static Path nodeDir(Path root, int i) {
    return root.resolve("node-" + i);
  }

  private static int freePort() throws IOException {
    return freePorts(1)[0];
  }

  /** The lowest port {@link #freePorts} hands out: above the well-known and common service ports. */
  private static final int LOWEST_CHOSEN_PORT = 20_000;
  /** Where Linux says its outgoing connections' own ports start. */
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  /** Random candidates tried per port before the kernel is asked for one of its own. */
  private static final int TRIES_PER_PORT = 64;
  private static final SecureRandom PICK = new SecureRandom();

  /**
   * {@code count} distinct free ports, for servers started later (often by another process).
   *
   * <p>They are chosen below the kernel's ephemeral range, from which every outgoing connection
   * takes its own local port: a port chosen inside it can be taken by any connection between the
   * choice and the server's start, and that server then fails with "address already in use" (seen
   * in the chaos soak, whose ledger lost its port so). Where the range cannot be read, or leaves no
   * room below it, the kernel picks.
   *
   * <p>The sockets stay bound until all are chosen: released one by one, the OS may hand the same
   * port out twice, and two nodes of one Vert.x instance then share it without an error (Vert.x
   * balances requests between servers on one port), so each got the other's shards.
   */
  public static int[] freePorts(int count) throws IOException {
    int ceiling = ephemeralStart();
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket s = bindBelow(ceiling);
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  private static ServerSocket bindBelow(int ceiling) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    if (ceiling - LOWEST_CHOSEN_PORT >= TRIES_PER_PORT) {
      for (int t = 0; t < TRIES_PER_PORT; t++) {
        int port = LOWEST_CHOSEN_PORT + PICK.nextInt(ceiling - LOWEST_CHOSEN_PORT);
        if (!handOut(port)) {
          continue;
        }
        try {
          return new ServerSocket(port, 1, loopback);
        } catch (IOException taken) {
          // another server has it: try another
        }
      }
    }
    return new ServerSocket(0, 1, loopback);
  }

  /** How long a port handed out stays promised to its taker in this JVM. */
  private static final long PROMISE_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
  private static final java.util.Map<Integer, Long> PROMISED = new java.util.HashMap<>();

  /**
   * Promises {@code port} to one caller for {@link #PROMISE_NANOS}, or says it is promised already.
   * A chosen port is free only until its server binds it, which is later; two networks starting
   * side by side in one JVM (test classes run in parallel) could otherwise both be given it while
   * neither has bound it yet, and the second to bind fails with "address already in use".
   */
  private static synchronized boolean handOut(int port) {
    long now = System.nanoTime();
    PROMISED.values().removeIf(at -> now - at > PROMISE_NANOS);
    return PROMISED.putIfAbsent(port, now) == null;
  }

  /**
   * The first port of the kernel's ephemeral range, or {@link #LOWEST_CHOSEN_PORT} when unknown. Read
   * by lines: a /proc file reports no size, and {@code Files.readString} then returns one byte.
   */
  private static int ephemeralStart() {
    try {
      String[] range = Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+");
      return Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException e) {
      return LOWEST_CHOSEN_PORT;
    }
  }

  /** Refuses a network whose nodes share a port: Vert.x would not refuse it, it would mix them up. */
  private static void checkDistinctPorts(NetworkConfig network, Path file) throws IOException {
    java.util.Map<String, String> seen = new java.util.HashMap<>();
    for (NodeInfo n : network.nodes()) {
      String port = n.url().substring(n.url().lastIndexOf(':') + 1);
      String other = seen.putIfAbsent(port, n.id());
      if (other != null) {
        throw new IOException(file + " gives " + other + " and " + n.id() + " the same port " + port);
      }
    }
  }

  private Future<Void> startGateway() {
    int port;
    try {
      port = gatewayPort(root);
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    for (NodeInfo n : network.nodes()) {
      if (n.url().endsWith(":" + port)) {
        return Future.failedFuture(new IOException("the gateway port " + port + " in " + root.resolve("gateway.port")
            + " is " + n.id() + "'s"));
      }
    }
    GatewayConfig config = GatewayConfig.defaults(network, publisherKey)
        .withPort(port)
        .withMaxBlobSize(options.maxBlobSize())
        .withClock(options.clock())
        .withIntervals(options.repairIntervalMillis(), options.auditIntervalMillis())
        .withCors(options.cors());
    gateway = new Gateway(config, options.sink());
    return vertx.deployVerticle(gateway).map(id -> {
      gatewayDeployment = id;
      return null;
    });
  }

  /** The gateway keeps its port across restarts, so URLs handed out stay valid. */
  private static int gatewayPort(Path root) throws IOException {
    Path file = root.resolve("gateway.port");
    if (Files.exists(file)) {
      return Integer.parseInt(Files.readString(file).trim());
    }
    int port = freePort();
    Files.writeString(file, Integer.toString(port), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        StandardOpenOption.SYNC);
    return port;
  }

  /** Starts (or restarts) node {@code i} on its directory and port. */
  public Future<Void> startNode(int i) {
    if (nodeDeployments[i] != null) {
      return Future.succeededFuture();
    }
    NodeInfo info = network.nodes().get(i);
    int port = Integer.parseInt(info.url().substring(info.url().lastIndexOf(':') + 1));
    NodeConfig config = new NodeConfig(nodeDir(root, i), i, network, NodeConfig.DEFAULT_HOST, port,
        NodeConfig.DEFAULT_GC_INTERVAL_MILLIS, NodeConfig.DEFAULT_UPLOAD_TTL_MILLIS, options.clock())
        .withTrustedPublishers(List.of(publisherKey.publicKey()));
    StorageNode node = new StorageNode(config);
    return vertx.deployVerticle(node).map(id -> {
      nodeDeployments[i] = id;
      nodes[i] = node;
      return null;
    });
  }

  /** Stops node {@code i}, as if it crashed after its last fsync. */
  public Future<Void> stopNode(int i) {
    String id = nodeDeployments[i];
    if (id == null) {
      return Future.succeededFuture();
    }
    nodeDeployments[i] = null;
    nodes[i] = null;
    return vertx.undeploy(id);
  }

  /** The running node {@code i} (to run its garbage collection now), or null while it is stopped. */
  public StorageNode node(int i) {
    return nodes[i];
  }

  public boolean nodeRunning(int i) {
    return nodeDeployments[i] != null;
  }

  public Path nodeDir(int i) {
    return nodeDir(root, i);
  }

  public NetworkConfig network() {
    return network;
  }

  public Gateway gateway() {
    return gateway;
  }

  /** The publisher and aggregator URL (one gateway plays both). */
  public String gatewayUrl() {
    return gateway.url();
  }

  public Future<Void> close() {
    List<Future<?>> stops = new ArrayList<>();
    if (gatewayDeployment != null) {
      stops.add(vertx.undeploy(gatewayDeployment));
      gatewayDeployment = null;
    }
    for (int i = 0; i < nodes.length; i++) {
      stops.add(stopNode(i));
    }
    return Future.join(stops).<Void>mapEmpty().onComplete(r -> publisherKey.destroy());
  }
}
