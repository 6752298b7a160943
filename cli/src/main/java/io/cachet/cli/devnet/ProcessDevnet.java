package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.network.NetworkLayout;
import io.cachet.cli.status.NetworkProber;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.io.DurableFiles;
import io.cachet.common.process.PartLaunch;
import io.cachet.common.process.Termination;
import io.cachet.storage.local.LocalNetwork;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A devnet of processes: every part its own OS process, run by the operator's {@code serve}
 * commands from files {@link NetworkLayout} made in {@code DIR/processes/}. The daemon supervises
 * them; clients read {@code DIR/cachet-network.json} as on any devnet. The daemon serves the
 * viewer page ({@link DevnetViewer}) itself, and the ledger, the gateway and the key servers are
 * started with {@code --set cors-origins=} its origin.
 *
 * <p>Invariants: {@code devnet.json} names every part process that may be running (pid and
 * configuration file), written before a started part is awaited and after every stop, so a daemon
 * killed at any moment leaves a record from which {@link OrphanParts} ends its parts at the next
 * {@code up} or {@code down}. A part is never restarted behind the user's back.
 */
final class ProcessDevnet implements DevnetParts {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessDevnet.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Where the layout lives, under the devnet's directory. */
  static final String LAYOUT_DIR = "processes";
  /** The in-JVM devnet's shape: 3 key servers of which any 2 open a file, 7 nodes (f = 2), 1 MiB shards, 1 h epochs. */
  static final NetworkLayout.Shape SHAPE = new NetworkLayout.Shape(3, 2, 7, "1MiB", "1h", "cachet-devnet");
  /** Heap of each part's JVM. */
  static final String PART_HEAP = "256m";
  /** The JVM option that keeps a part to the client compiler (C1). */
  static final String CLIENT_COMPILER_ONLY = "-XX:TieredStopAtLevel=1";
  /** Longest a part may take from its launch to {@code event=<part>_serving}, on a loaded machine. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  /** How long a part has to stop on SIGTERM before it is killed. */
  static final Duration STOP_GRACE = Duration.ofSeconds(20);
  /**
   * Longest {@link #close} takes over all its groups before it kills what is left: below
   * {@link Termination#STOP_BOUND_MILLIS}, so that the daemon's own stop ends before its watchdog
   * halts it, with time to spare for the SIGKILLs and the record.
   */
  static final Duration CLOSE_BOUND = Duration.ofMillis(Termination.STOP_BOUND_MILLIS).minusSeconds(8);
  /** Longest a started key server is waited for until its view of the ledger is fresh. */
  static final Duration CATCH_UP = Duration.ofSeconds(30);
  /** How often a catching-up key server's /health is asked again. */
  private static final Duration HEALTH_POLL = Duration.ofMillis(200);
  /**
   * Starting order, as {@link NetworkLayout#parts()} has it: what a part talks to serves before it
   * starts. The parts of a group are launched together and then each awaited, which on a few cores
   * takes about half the time of one after the other.
   */
  private static final List<NetworkLayout.Kind> START_ORDER = List.of(NetworkLayout.Kind.LEDGER,
      NetworkLayout.Kind.NODE, NetworkLayout.Kind.GATEWAY, NetworkLayout.Kind.KEY_SERVER);
  /** Stopping order of {@link #close}: clients' servers first, the ledger last; each group stops at once. */
  private static final List<NetworkLayout.Kind> STOP_ORDER = List.of(NetworkLayout.Kind.KEY_SERVER,
      NetworkLayout.Kind.GATEWAY, NetworkLayout.Kind.NODE, NetworkLayout.Kind.LEDGER);

  /** The parts that serve a page in a browser, and so let the viewer's origin in. */
  private static final Set<NetworkLayout.Kind> BROWSER_FACING = Set.of(NetworkLayout.Kind.LEDGER,
      NetworkLayout.Kind.GATEWAY, NetworkLayout.Kind.KEY_SERVER);

  private final Path dir;
  private final DevnetLock lock;
  private final NetworkLayout layout;
  /** The viewer's own event loop: the parts run elsewhere. */
  private final Vertx viewerVertx;
  private final DevnetViewer viewer;
  /** The descriptor the viewer serves, once written. */
  private volatile String descriptorText;
  private final Map<String, PartSupervisor> parts = new LinkedHashMap<>();
  /** The origins beside the viewer's that the parts a page calls let in ({@link DevnetCors}). */
  private final List<String> extraOrigins;
  /** Asks the parts' /health; closed with the devnet. */
  private final NetworkProber prober = new NetworkProber();

  private ProcessDevnet(Path dir, DevnetLock lock, NetworkLayout layout, int viewerPort) throws Exception {
    this.dir = dir;
    this.lock = lock;
    this.layout = layout;
    this.extraOrigins = DevnetCors.recorded(dir);
    this.viewerVertx = Vertx.vertx();
    try {
      this.viewer = DevnetViewer.start(viewerVertx, viewerPort, () -> descriptorText);
    } catch (Exception e) {
      viewerVertx.close();
      throw e;
    }
    String corsOrigins = DevnetCors.value(viewer.origin(), extraOrigins);
    for (NetworkLayout.Part p : layout.parts()) {
      parts.put(p.name(), new PartSupervisor(p, launch(p, corsOrigins)));
    }
  }

  /**
   * Opens the devnet of processes in {@code dir}, laying it out on first use, ends the orphans a
   * killed daemon left, and starts every part in first-start order ({@link #START_ORDER}), each
   * awaited until it serves; then writes the descriptor clients read.
   */
  static ProcessDevnet start(Path dir) throws Exception {
    Path root = DurableFiles.privateDirectory(dir.toAbsolutePath().normalize());
    DevnetLock lock = DevnetLock.take(root);
    ProcessDevnet d;
    try {
      if (DevnetMode.recorded(root).orElse(DevnetMode.PROCESSES) != DevnetMode.PROCESSES) {
        throw new DevnetException("the devnet in " + root + " runs every part in one JVM: start it without"
            + " --processes, or give another --dir");
      }
      List<String> orphans = OrphanParts.stop(root);
      if (!orphans.isEmpty()) {
        LOG.warn("event=devnet_orphans_stopped dir={} parts={}", root, orphans);
      }
      d = new ProcessDevnet(root, lock, layout(root), viewerPort(root));
    } catch (Exception | Error e) {
      lock.close();
      throw e;
    }
    try {
      d.record();
      for (NetworkLayout.Kind kind : START_ORDER) {
        List<PartSupervisor> group = d.parts.values().stream().filter(p -> p.part().kind() == kind).toList();
        for (PartSupervisor p : group) {
          p.launch(d::recordQuietly);
        }
        for (PartSupervisor p : group) {
          p.awaitServing(START_TIMEOUT);
          LOG.info("event=devnet_part_serving part={} pid={}", p.name(), p.pidIfRunning().orElse(-1));
        }
      }
      for (PartSupervisor p : d.parts.values()) {
        d.awaitLedgerView(p);
      }
      d.record();
      d.layout.writeDescriptor();
      byte[] descriptor = Files.readAllBytes(d.layout.descriptorFile());
      DurableFiles.write(d.descriptorFile(), descriptor, false);
      d.descriptorText = new String(descriptor, StandardCharsets.UTF_8);
      return d;
    } catch (Exception | Error e) {
      d.close();
      throw e;
    }
  }

  /**
   * The viewer's port: the one devnet.json recorded while it is free, so the page's address stays
   * what it was; else one chosen as the parts' ports are.
   */
  private static int viewerPort(Path root) throws IOException {
    Path state = root.resolve(DevnetMode.STATE_FILE);
    if (Files.exists(state)) {
      int recorded = JSON.readTree(state.toFile()).path("viewer").asInt(0);
      if (recorded > 0 && free(recorded)) {
        return recorded;
      }
    }
    return LocalNetwork.freePorts(1)[0];
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * How a part runs: as {@link NetworkLayout.Part#launch} says, with {@link #PART_HEAP}, and but for
   * the gateway, which encodes every blob, with the client compiler only: it halves the CPU each
   * JVM spends starting (about 1.5 s instead of 3 s of a core for a node), as the {@code cachet}
   * script does for commands that move no bulk data. The parts a page calls let {@code corsOrigins} in
   * (the viewer's origin and any {@code --cors-origin}, comma-separated).
   */
  static PartLaunch launch(NetworkLayout.Part p, String corsOrigins) {
    Map<String, String> sets = BROWSER_FACING.contains(p.kind()) ? Map.of(CorsPolicy.KEY, corsOrigins) : Map.of();
    PartLaunch l = p.launch(PART_HEAP, sets);
    if (p.kind() == NetworkLayout.Kind.GATEWAY) {
      return l;
    }
    List<String> options = new ArrayList<>(l.jvmOptions());
    options.add(CLIENT_COMPILER_ONLY);
    return l.withJvmOptions(options.toArray(String[]::new));
  }

  private static NetworkLayout layout(Path root) throws IOException {
    Path at = root.resolve(LAYOUT_DIR);
    if (Files.exists(at.resolve(NetworkLayout.LAYOUT_FILE))) {
      return NetworkLayout.open(at);
    }
    if (Files.exists(at)) {
      try (var entries = Files.list(at)) {
        if (entries.findAny().isPresent()) {
          throw new DevnetException(at + " holds no " + NetworkLayout.LAYOUT_FILE + " (an earlier start failed"
              + " while laying it out); remove it to lay the network out again");
        }
      }
    }
    return NetworkLayout.create(at, SHAPE, Map.of());
  }

  @Override
  public Path dir() {
    return dir;
  }

  Path descriptorFile() {
    return dir.resolve(Devnet.DESCRIPTOR);
  }

  NetworkLayout layout() {
    return layout;
  }

  // ---------------------------------------------------------------- parts

  private PartSupervisor part(String name) {
    PartSupervisor p = parts.get(name);
    if (p == null) {
      throw new DevnetException("no part named '" + name + "'; the parts are " + String.join(", ", parts.keySet()));
    }
    return p;
  }

  @Override
  public int stop(String name) throws Exception {
    PartSupervisor p = part(name);
    int code = p.stop(STOP_GRACE);
    record();
    LOG.info("event=devnet_part_stopped part={} exit={}", name, code);
    return code;
  }

  @Override
  public void start(String name) throws Exception {
    PartSupervisor p = part(name);
    try {
      p.start(START_TIMEOUT, this::recordQuietly);
    } finally {
      // a part that did not start was killed: devnet.json must not name its pid any longer
      record();
    }
    awaitLedgerView(p);
    LOG.info("event=devnet_part_started part={} pid={}", name, p.pidIfRunning().orElse(-1));
  }

  @Override
  public int kill(String name) throws Exception {
    PartSupervisor p = part(name);
    int code = p.kill();
    record();
    LOG.info("event=devnet_part_killed part={} exit={}", name, code);
    return code;
  }

  /**
   * For a key server, while the ledger runs: waits up to {@link #CATCH_UP} until its /health says
   * it serves (its view of the ledger is fresh), since until then it refuses every share, failing
   * closed, and a get right after {@code up} or {@code start} would be refused for no reason a
   * person can see. Past the bound it returns anyway: {@code status} shows what the server says.
   */
  private void awaitLedgerView(PartSupervisor p) throws InterruptedException {
    if (p.part().kind() != NetworkLayout.Kind.KEY_SERVER || part("ledger").pidIfRunning().isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + CATCH_UP.toNanos();
    while (p.pidIfRunning().isPresent() && !serves(p.part())) {
      if (System.nanoTime() - deadline > 0) {
        LOG.warn("event=devnet_part_not_caught_up part={} seconds={}", p.name(), CATCH_UP.toSeconds());
        return;
      }
      Thread.sleep(HEALTH_POLL.toMillis());
    }
  }

  /**
   * Every part's state, and what each running one says at /health on its own port: asked of all
   * at once through one prober, so parts that do not answer (SIGSTOPped, say) cost about one
   * probe's timeout together, not one each.
   */
  @Override
  public JsonObject status() {
    Map<String, URI> running = new LinkedHashMap<>();
    for (PartSupervisor p : parts.values()) {
      if (p.pidIfRunning().isPresent()) {
        running.put(p.name(), URI.create(p.part().directUrl()));
      }
    }
    Map<String, NetworkProber.Said> said;
    try {
      said = prober.health(running);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      said = Map.of();
    }
    JsonArray list = new JsonArray();
    long height = -1;
    for (PartSupervisor p : parts.values()) {
      NetworkProber.Said health = said.get(p.name());
      if (p.part().kind() == NetworkLayout.Kind.LEDGER && health != null) {
        height = health.height();
      }
      list.add(p.status(health == null ? "-" : health.words()));
    }
    return new JsonObject().put("dir", dir.toString()).put("pid", ProcessHandle.current().pid())
        .put("mode", DevnetMode.PROCESSES.word()).put("ledgerHeight", height)
        .put("descriptor", descriptorFile().toString()).put("chain", Devnet.CHAIN_EMBEDDED)
        .put("viewerUrl", viewer.url())
        .put("layout", layout.dir().toString()).put("parts", list);
  }

  /** Whether the part's own port answers 200 at /health. */
  private boolean serves(NetworkLayout.Part p) throws InterruptedException {
    return prober.health(Map.of(p.name(), URI.create(p.directUrl()))).get(p.name()).ok();
  }

  // ---------------------------------------------------------------- state

  /** Writes devnet.json: the mode, and every part process that runs, by pid and configuration file. */
  private synchronized void record() throws IOException {
    var root = JSON.createObjectNode();
    root.put("chain", Devnet.CHAIN_EMBEDDED);
    root.put("mode", DevnetMode.PROCESSES.word());
    root.put("layout", LAYOUT_DIR);
    root.put("viewer", viewer.port());
    if (!extraOrigins.isEmpty()) {
      var origins = root.putArray(DevnetCors.KEY);
      extraOrigins.forEach(origins::add);
    }
    var running = root.putObject("parts");
    for (PartSupervisor p : parts.values()) {
      p.pidIfRunning().ifPresent(pid -> running.putObject(p.name()).put("pid", pid)
          .put("config", p.part().config().toString()));
    }
    DurableFiles.write(dir.resolve(DevnetMode.STATE_FILE),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root), false);
  }

  private void recordQuietly() {
    try {
      record();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the devnet's part processes in devnet.json", e);
    }
  }

  /**
   * Stops every part with SIGTERM, key servers first, then the gateway, the nodes and the ledger
   * last, each group at once and awaited; records that none runs; releases the directory. The
   * groups share one deadline, {@link #CLOSE_BOUND}: whatever still runs when it passes (a part
   * deaf to SIGTERM, a group never reached) is killed, so close returns within that bound and a
   * few seconds, and leaves no part running.
   */
  @Override
  public void close() {
    long deadline = System.nanoTime() + CLOSE_BOUND.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(parts.size(), r -> {
      Thread t = new Thread(r, "devnet-stop");
      t.setDaemon(true);
      return t;
    });
    try {
      for (NetworkLayout.Kind kind : STOP_ORDER) {
        stopGroup(pool, kind, deadline);
      }
    } finally {
      pool.shutdownNow();
      killLeft();
    }
    try {
      record();
    } catch (IOException e) {
      LOG.warn("event=devnet_state_not_written reason=\"{}\"", e.toString());
    }
    prober.close();
    viewer.close();
    try {
      viewerVertx.close().await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    lock.close();
  }

  /** Sends SIGTERM to every part of {@code kind} at once and awaits them until {@code deadline} at most. */
  private void stopGroup(ExecutorService pool, NetworkLayout.Kind kind, long deadline) {
    List<Future<Integer>> stops = new ArrayList<>();
    for (PartSupervisor p : parts.values()) {
      long left = deadline - System.nanoTime();
      if (p.part().kind() == kind && left > 0) {
        Duration grace = Duration.ofNanos(Math.min(left, STOP_GRACE.toNanos()));
        stops.add(pool.submit(() -> p.stop(grace)));
      }
    }
    for (Future<Integer> f : stops) {
      try {
        f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        LOG.warn("event=devnet_stop_deadline_passed kind={}", kind.command());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        LOG.warn("event=devnet_part_stop_failed reason=\"{}\"", e.getCause().toString());
      }
    }
  }

  /** SIGKILL to every part still running, each without its supervisor's lock. */
  private void killLeft() {
    for (PartSupervisor p : parts.values()) {
      try {
        if (p.pidIfRunning().isPresent()) {
          LOG.warn("event=devnet_part_killed_at_stop part={}", p.name());
          p.killNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.warn("event=devnet_part_kill_failed part={} reason=\"{}\"", p.name(), e.toString());
      }
    }
  }
}
