package io.cachet.cli.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Cachet;
import io.cachet.common.config.ConfigText;
import io.cachet.common.io.DurableFiles;
import io.cachet.common.process.PartLaunch;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Keystore;
import io.cachet.keyserver.KeyServerFiles;
import io.cachet.storage.local.LocalNetwork;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A whole Cachet network laid out in one directory on loopback, each part ready to run as its own
 * process with {@code cachet <part> serve --config FILE}: the ledger, the key servers, the storage
 * nodes and the gateway. The files are made by the operator's own commands ({@code ledger init},
 * {@code network init}), as docs/DEPLOY.md has a person make them, so a process network runs what
 * a deployment runs. Passphrases are 0600 files under {@code secrets/}; no secret is a
 * configuration value.
 *
 * <pre>
 * DIR/layout.json            what this class reads back: the shape, every part, the ledger's keys
 * DIR/secrets/*.pass         the ledger's, the gateway's and each key server's passphrase (0600)
 * DIR/ledger/ledger.conf     the ledger; its journal and keystore in DIR/ledger/data/
 * DIR/storage/               the storage kit ({@code network init}): node-I/, gateway/, network.json
 * DIR/ks-N/ks.conf           key server ks-N; its keys and audit log in DIR/ks-N/data/
 * DIR/cachet-network.json    what clients read, once {@link #writeDescriptor} has run
 * </pre>
 *
 * <p>Every part listens on a loopback port fixed when the layout is made, so a part killed and
 * started again is found where it was. Where the others reach a part (its URL: in the key
 * servers' and the gateway's configuration, in {@code network.json}, in the descriptor) may be
 * another port, its <em>front</em>: a fault proxy set up there by whoever runs the network.
 */
public final class NetworkLayout {
  /** What {@link #open} reads back. */
  public static final String LAYOUT_FILE = "layout.json";
  /** The descriptor clients read. */
  public static final String DESCRIPTOR = "cachet-network.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HOST = "127.0.0.1";
  /**
   * Argon2id for what a loopback network keeps under a random passphrase: a devnet's keystores and
   * every key server's key file, 8 MiB and one pass. The passphrases are 192 random bits in
   * {@code secrets/}, beside those files, so stretching guards nothing; at the key server's default
   * (64 MiB, three passes) each start of each key server spent about a second of a core on it.
   */
  public static final Keystore.KdfParams RANDOM_PASSPHRASE_KDF = new Keystore.KdfParams(8 * 1024, 1, 1);
  /** {@link #RANDOM_PASSPHRASE_KDF} as a key server's settings. */
  public static final Map<String, String> KEY_FILE_KDF = Map.of(
      "kdf-memory", Integer.toString(RANDOM_PASSPHRASE_KDF.memoryKiB()),
      "kdf-iterations", Integer.toString(RANDOM_PASSPHRASE_KDF.iterations()));
  /** The lines {@code ledger init} printed, in the ledger's directory. */
  private static final String LEDGER_LINES = "ledger.lines";

  /**
   * The network's shape.
   *
   * @param keyServers key servers, named {@code ks-1} ..
   * @param threshold how many of them open a file
   * @param nodes storage nodes, named {@code node-0} ..; f = (nodes - 1) / 3 may be lost
   * @param shardSize a shard's size, as {@code network init --shard-size} takes it
   * @param epoch a storage epoch's length, as {@code network init --epoch} takes it
   * @param ledgerId the ledger's id
   */
  public record Shape(int keyServers, int threshold, int nodes, String shardSize, String epoch, String ledgerId) {
    public Shape {
      if (keyServers < 1 || threshold < 1 || threshold > keyServers) {
        throw new IllegalArgumentException("threshold must be 1.." + keyServers + ", was " + threshold);
      }
      if (nodes < 1) {
        throw new IllegalArgumentException("a network needs a storage node");
      }
      Objects.requireNonNull(shardSize, "shardSize");
      Objects.requireNonNull(epoch, "epoch");
      Objects.requireNonNull(ledgerId, "ledgerId");
    }

    /** Three key servers of which any two open a file, four nodes (f = 1), 64 KiB shards, one-hour epochs. */
    public static Shape small() {
      return new Shape(3, 2, 4, "64KiB", "1h", "cachet-procnet");
    }

    /** Every part's name, in the order of a first start: ledger, nodes, gateway, key servers. */
    public List<String> partNames() {
      List<String> names = new ArrayList<>();
      names.add("ledger");
      for (int i = 0; i < nodes; i++) {
        names.add("node-" + i);
      }
      names.add("gateway");
      for (int i = 1; i <= keyServers; i++) {
        names.add("ks-" + i);
      }
      return names;
    }

    public Shape withNodes(int n) {
      return new Shape(keyServers, threshold, n, shardSize, epoch, ledgerId);
    }
  }

  /** What a part is, and the {@code cachet} command that serves it. */
  public enum Kind {
    LEDGER("ledger"), KEY_SERVER("keyserver"), NODE("node"), GATEWAY("gateway");

    private final String command;

    Kind(String command) {
      this.command = command;
    }

    /** The first word of its {@code cachet ... serve} command. */
    public String command() {
      return command;
    }
  }

  /**
   * One part of the network.
   *
   * @param name {@code ledger}, {@code ks-N}, {@code node-I} or {@code gateway}
   * @param config its configuration file
   * @param workDir the directory it runs in (its configuration's)
   * @param dataDir where it keeps its state (the gateway keeps none: its work directory)
   * @param port the loopback port it listens on
   * @param url where the other parts and clients reach it: its own port, or its front's
   */
  public record Part(String name, Kind kind, Path config, Path workDir, Path dataDir, int port, String url) {
    /** The arguments of {@code cachet} that serve it. */
    public List<String> serveArgs() {
      return List.of(kind.command(), "serve", "--config", config.toString());
    }

    /**
     * How to run it as its own process: this JVM's {@code java} and class path, the command's own
     * logging, {@code heap} of heap, {@code sets} added as {@code --set key=value} (a drill's
     * {@code clock-offset}, a data directory moved to a small disk); output appended to
     * {@code NAME.out} and {@code NAME.log} in its work directory.
     */
    public PartLaunch launch(String heap, Map<String, String> sets) {
      List<String> args = new ArrayList<>(serveArgs());
      sets.forEach((k, v) -> {
        args.add("--set");
        args.add(k + "=" + v);
      });
      return new PartLaunch(Cachet.class.getName(), System.getProperty("java.class.path"),
          List.of("-Xmx" + heap, "-XX:+UseSerialGC", "-Dlogback.configurationFile=logback.xml"), args, Map.of(),
          workDir, workDir.resolve(name + ".out"), workDir.resolve(name + ".log"));
    }

    /** Its own address, not its front's: for health checks that must not pass through faults. */
    public String directUrl() {
      return "http://" + HOST + ":" + port;
    }
  }

  private final Path dir;
  private final Shape shape;
  private final List<Part> parts;
  private final String sequencerKey;
  private final String genesisDigest;

  private NetworkLayout(Path dir, Shape shape, List<Part> parts, String sequencerKey, String genesisDigest) {
    this.dir = dir;
    this.shape = shape;
    this.parts = List.copyOf(parts);
    this.sequencerKey = sequencerKey;
    this.genesisDigest = genesisDigest;
  }

  /**
   * Writes every file of a new network in {@code dir}, which must not exist or be empty.
   *
   * @param fronts for a part's name, the port the others reach it at; a part not named is reached at its own
   * @throws IOException if a command that makes the files fails (its message is in the exception)
   */
  public static NetworkLayout create(Path dir, Shape shape, Map<String, Integer> fronts) throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    if (Files.exists(root)) {
      try (var entries = Files.list(root)) {
        if (entries.findAny().isPresent()) {
          throw new IOException(root + " is not empty; a network layout is made in a new directory");
        }
      }
    }
    List<String> names = shape.partNames();
    for (String name : fronts.keySet()) {
      if (!names.contains(name)) {
        throw new IllegalArgumentException("a front for '" + name + "', which is no part of this network");
      }
    }
    int[] ports = LocalNetwork.freePorts(names.size());
    Map<String, Integer> port = new LinkedHashMap<>();
    Map<String, String> url = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      port.put(name, ports[i]);
      url.put(name, "http://" + HOST + ":" + fronts.getOrDefault(name, ports[i]));
    }
    DurableFiles.privateDirectory(root);
    Path secrets = DurableFiles.privateDirectory(root.resolve("secrets"));

    Path ledgerDir = DurableFiles.privateDirectory(root.resolve("ledger"));
    Path ledgerPass = passphrase(secrets, "ledger");
    JsonNode ledger = JSON.readTree(run("ledger", "init", "--data-dir", ledgerDir.resolve("data").toString(),
        "--ledger-id", shape.ledgerId(), "--passphrase-file", ledgerPass.toString(), "--json"));
    String seqKey = ledger.path("sequencerKey").asText();
    String genesis = ledger.path("genesisDigest").asText();
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("ledger-id", shape.ledgerId());
    lines.put("sequencer-key", seqKey);
    lines.put("genesis-digest", genesis);
    DurableFiles.write(ledgerDir.resolve(LEDGER_LINES), ConfigText.render("what 'cachet ledger init' made", lines)
        .getBytes(StandardCharsets.UTF_8), false);

    Path storage = root.resolve("storage");
    List<String> kit = new ArrayList<>(List.of("network", "init", storage.toString(), "--nodes",
        Integer.toString(shape.nodes()), "--shard-size", shape.shardSize(), "--epoch", shape.epoch(),
        "--gateway-port", Integer.toString(port.get("gateway")), "--ledger-url", url.get("ledger"), "--ledger-id",
        shape.ledgerId(), "--ledger-genesis", genesis, "--passphrase-file",
        passphrase(secrets, "gateway").toString(), "--node-url"));
    for (int i = 0; i < shape.nodes(); i++) {
      kit.add(url.get("node-" + i));
    }
    run(kit.toArray(String[]::new));

    List<Part> parts = new ArrayList<>();
    Map<String, String> ledgerConf = new LinkedHashMap<>();
    ledgerConf.put("ledger-id", shape.ledgerId());
    ledgerConf.put("data-dir", "data");
    ledgerConf.put("port", Integer.toString(port.get("ledger")));
    ledgerConf.put("passphrase-file", ledgerPass.toString());
    ledgerConf.put("storage-network", "../storage/network.json");
    parts.add(part("ledger", Kind.LEDGER, ledgerDir, "ledger.conf", ledgerConf, ledgerDir.resolve("data"), port, url));
    for (int i = 0; i < shape.nodes(); i++) {
      String name = "node-" + i;
      Path nodeDir = storage.resolve(name);
      if (!url.get(name).endsWith(":" + port.get(name))) {
        // network.json names the node by its front; it listens on its own port behind it
        Path conf = nodeDir.resolve("node.conf");
        DurableFiles.write(conf, (Files.readString(conf, StandardCharsets.UTF_8) + "host = " + HOST + "\nport = "
            + port.get(name) + "\n").getBytes(StandardCharsets.UTF_8), false);
      }
      parts.add(new Part(name, Kind.NODE, nodeDir.resolve("node.conf"), nodeDir, nodeDir.resolve("data"),
          port.get(name), url.get(name)));
    }
    Path gatewayDir = storage.resolve("gateway");
    parts.add(new Part("gateway", Kind.GATEWAY, gatewayDir.resolve("gateway.conf"), gatewayDir, gatewayDir,
        port.get("gateway"), url.get("gateway")));
    for (int i = 1; i <= shape.keyServers(); i++) {
      String name = "ks-" + i;
      Path ksDir = DurableFiles.privateDirectory(root.resolve(name));
      DurableFiles.privateDirectory(ksDir.resolve("data"));
      Map<String, String> conf = new LinkedHashMap<>();
      conf.put("server-id", name);
      conf.put("port", Integer.toString(port.get(name)));
      conf.put("data-dir", "data");
      conf.put("ledger-url", url.get("ledger"));
      conf.put("ledger-id", shape.ledgerId());
      conf.put("sequencer-key", seqKey);
      conf.put("genesis-digest", genesis);
      conf.put("passphrase-file", passphrase(secrets, name).toString());
      conf.put("ledger-poll-wait", "2s");
      conf.putAll(KEY_FILE_KDF);
      parts.add(part(name, Kind.KEY_SERVER, ksDir, "ks.conf", conf, ksDir.resolve("data"), port, url));
    }
    NetworkLayout layout = new NetworkLayout(root, shape, parts, seqKey, genesis);
    layout.save();
    return layout;
  }

  /** The layout made before in {@code dir}. */
  public static NetworkLayout open(Path dir) throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    JsonNode n = JSON.readTree(root.resolve(LAYOUT_FILE).toFile());
    JsonNode s = n.path("shape");
    Shape shape = new Shape(s.path("keyServers").asInt(), s.path("threshold").asInt(), s.path("nodes").asInt(),
        s.path("shardSize").asText(), s.path("epoch").asText(), s.path("ledgerId").asText());
    List<Part> parts = new ArrayList<>();
    for (JsonNode p : n.path("parts")) {
      parts.add(new Part(p.path("name").asText(), Kind.valueOf(p.path("kind").asText()),
          root.resolve(p.path("config").asText()), root.resolve(p.path("workDir").asText()),
          root.resolve(p.path("dataDir").asText()), p.path("port").asInt(), p.path("url").asText()));
    }
    return new NetworkLayout(root, shape, parts, n.path("sequencerKey").asText(), n.path("genesisDigest").asText());
  }

  public Path dir() {
    return dir;
  }

  public Shape shape() {
    return shape;
  }

  /** Every part, in the order of a first start: ledger, nodes, gateway, key servers. */
  public List<Part> parts() {
    return parts;
  }

  /** The part named {@code name}. */
  public Part part(String name) {
    for (Part p : parts) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("no part '" + name + "' in this network; its parts are " + names());
  }

  /** The parts' names, in {@link #parts()} order. */
  public List<String> names() {
    return parts.stream().map(Part::name).toList();
  }

  /** The parts of one kind, in order. */
  public List<Part> parts(Kind kind) {
    return parts.stream().filter(p -> p.kind() == kind).toList();
  }

  public String ledgerId() {
    return shape.ledgerId();
  }

  /** The sequencer's verifying key, base64url, as key servers and clients pin it. */
  public String sequencerKey() {
    return sequencerKey;
  }

  /** The ledger's genesis digest, {@code 0x} and 64 hex digits. */
  public String genesisDigest() {
    return genesisDigest;
  }

  /** The storage network's descriptor ({@code network.json}). */
  public Path storageNetwork() {
    return dir.resolve("storage").resolve("network.json");
  }

  /** Key server {@code name}'s audit log. */
  public Path auditLog(String keyServer) {
    return part(keyServer).dataDir().resolve(KeyServerFiles.AUDIT_LOG);
  }

  public Path descriptorFile() {
    return dir.resolve(DESCRIPTOR);
  }

  /**
   * Writes the descriptor clients read with the operator's own {@code cachet network descriptor}:
   * the ledger (checked against the lines {@code ledger init} printed), each key server's URL and
   * signing key (its proof of possession checked), the gateway as publisher and aggregator. Every
   * key server must be serving, and reachable at its URL (through its front, if it has one).
   */
  public void writeDescriptor() throws IOException {
    List<String> args = new ArrayList<>(List.of("network", "descriptor", "--ledger-url", part("ledger").url(),
        "--ledger-lines", ledgerLines().toString(), "--threshold", Integer.toString(shape.threshold()),
        "--gateway-url", part("gateway").url(), "-o", descriptorFile().toString(), "--key-server"));
    for (Part p : parts(Kind.KEY_SERVER)) {
      args.add(p.url());
    }
    run(args.toArray(String[]::new));
  }

  /** The lines {@code ledger init} printed, as a key server's configuration takes them. */
  public Path ledgerLines() {
    return dir.resolve("ledger").resolve(LEDGER_LINES);
  }

  private void save() throws IOException {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode s = n.putObject("shape");
    s.put("keyServers", shape.keyServers());
    s.put("threshold", shape.threshold());
    s.put("nodes", shape.nodes());
    s.put("shardSize", shape.shardSize());
    s.put("epoch", shape.epoch());
    s.put("ledgerId", shape.ledgerId());
    n.put("sequencerKey", sequencerKey);
    n.put("genesisDigest", genesisDigest);
    ArrayNode ps = n.putArray("parts");
    for (Part p : parts) {
      ObjectNode o = ps.addObject();
      o.put("name", p.name());
      o.put("kind", p.kind().name());
      o.put("config", dir.relativize(p.config()).toString());
      o.put("workDir", dir.relativize(p.workDir()).toString());
      o.put("dataDir", dir.relativize(p.dataDir()).toString());
      o.put("port", p.port());
      o.put("url", p.url());
    }
    DurableFiles.write(dir.resolve(LAYOUT_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n), false);
  }

  private static Part part(String name, Kind kind, Path workDir, String file, Map<String, String> values, Path dataDir,
      Map<String, Integer> port, Map<String, String> url) throws IOException {
    Path config = workDir.resolve(file);
    DurableFiles.write(config, ConfigText.render("cachet " + kind.command() + " serve: " + name, values)
        .getBytes(StandardCharsets.UTF_8), false);
    return new Part(name, kind, config, workDir, dataDir, port.get(name), url.get(name));
  }

  /** A new random passphrase in {@code secrets/NAME.pass}, 0600. */
  private static Path passphrase(Path secrets, String name) throws IOException {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    Path file = secrets.resolve(name + ".pass");
    DurableFiles.write(file, (Base64Url.encode(random) + "\n").getBytes(StandardCharsets.US_ASCII), true);
    return file;
  }

  /** Runs one {@code cachet} command in this process, as the operator would type it; its output. */
  private static String run(String... args) throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    if (exit != 0) {
      throw new IOException("'cachet " + args[0] + " " + args[1] + "' failed (exit " + exit + "): "
          + err.toString().strip());
    }
    return out.toString();
  }
}
