package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.FaultProxy;
import io.cachet.bench.chaos.SmallDisk;
import io.cachet.cli.network.NetworkLayout;
import io.cachet.cli.network.NetworkLayout.Part;
import io.cachet.common.process.PartLaunch;
import io.cachet.common.process.PartProcess;
import io.cachet.storage.local.LocalNetwork;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole network as OS processes ({@link NetworkLayout}) with a {@link FaultProxy} as the front
 * of every part, so every hop between parts and from clients passes a proxy the soak can break,
 * and one storage node keeping its data on a {@link SmallDisk}. It starts, kills, pauses and
 * restarts parts by name and asks each its {@code /health} on its own port (never through its
 * proxy, so a proxy fault does not read as an unhealthy part).
 *
 * <p>Guarantees: every wait is bounded; a part that does not start is an {@link IOException}
 * carrying the tail of its log. {@link #close} kills every process, closes every proxy and
 * unmounts the small disk, whatever failed before.
 */
final class SoakNetwork implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SoakNetwork.class);
  /** Longest a part may take from its start to {@code event=..._serving}. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  /** Longest a SIGTERM'd part may take to stop before it is killed. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);
  /** Longest one {@code /health} question waits. */
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(3);
  /** How the soak's gateway repairs: often, so repair happens within a short run. */
  static final String REPAIR_INTERVAL = "10s";
  /** Lines of a part's log shown when it fails to start. */
  private static final int LOG_TAIL_LINES = 30;
  /** The client compiler only: a JVM starts in about half the time, which a short run needs more than speed. */
  private static final String QUICK_START = "-XX:TieredStopAtLevel=1";
  /** Most bytes of a log {@link #logSince} reads (its newest). */
  private static final int MAX_LOG_SCAN = 16 << 20;
  private static final Pattern SERVING = Pattern.compile("event=\\w+_serving");

  private final NetworkLayout layout;
  private final String heap;
  private final boolean quickStart;
  private final Map<String, FaultProxy> proxies;
  private final Map<String, Map<String, String>> baseSets = new HashMap<>();
  private final Map<String, PartProcess> running = new ConcurrentHashMap<>();
  private final SmallDisk disk;
  private final String diskNode;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(HEALTH_TIMEOUT).build();

  private SoakNetwork(NetworkLayout layout, String heap, boolean quickStart, Map<String, FaultProxy> proxies,
      SmallDisk disk, String diskNode) {
    this.layout = layout;
    this.heap = heap;
    this.quickStart = quickStart;
    this.proxies = proxies;
    this.disk = disk;
    this.diskNode = diskNode;
  }

  /**
   * Lays a network out in {@code dir}/net (shape {@link NetworkLayout.Shape#small()}), a proxy in
   * front of every part, the last node's data on the profile's small disk, and starts it:
   * the ledger first, then every other part at once; then writes the clients' descriptor.
   */
  static SoakNetwork start(Path dir, SoakProfile profile) throws IOException, InterruptedException {
    NetworkLayout.Shape shape = NetworkLayout.Shape.small();
    List<String> names = shape.partNames();
    int[] frontPorts = LocalNetwork.freePorts(names.size());
    Map<String, Integer> fronts = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      fronts.put(names.get(i), frontPorts[i]);
    }
    NetworkLayout layout = NetworkLayout.create(dir.resolve("net"), shape, fronts);
    Map<String, FaultProxy> proxies = new LinkedHashMap<>();
    SmallDisk disk = null;
    SoakNetwork network = null;
    try {
      for (Part p : layout.parts()) {
        proxies.put(p.name(), FaultProxy.start(fronts.get(p.name()), "127.0.0.1", p.port()));
      }
      String diskNode = "node-" + (shape.nodes() - 1);
      Path mount = Files.createDirectories(dir.resolve("small-disk-" + diskNode));
      disk = SmallDisk.mount(mount, profile.smallDisk(), profile.diskKind());
      network = new SoakNetwork(layout, profile.heap(), profile.quickStart(), proxies, disk, diskNode);
      network.baseSets.put(diskNode, Map.of("data-dir", mount.toString()));
      network.baseSets.put("gateway", Map.of("repair-interval", REPAIR_INTERVAL));
      network.startAll();
      layout.writeDescriptor();
      return network;
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (network != null) {
        network.close();
      } else {
        proxies.values().forEach(FaultProxy::close);
        if (disk != null) {
          disk.close();
        }
      }
      throw e;
    }
  }

  private void startAll() throws IOException, InterruptedException {
    start("ledger", Map.of());
    List<String> rest = layout.names().stream().filter(n -> !n.equals("ledger")).toList();
    for (String name : rest) {
      launch(name, Map.of());
    }
    for (String name : rest) {
      awaitServing(name);
    }
  }

  NetworkLayout layout() {
    return layout;
  }

  /** Every part's name, in first-start order. */
  List<String> names() {
    return layout.names();
  }

  /** The proxy in front of {@code name}. */
  FaultProxy proxy(String name) {
    return proxies.get(name);
  }

  /** The node whose data is on the small disk, and the disk. */
  String diskNode() {
    return diskNode;
  }

  SmallDisk disk() {
    return disk;
  }

  /** Where node {@code name} keeps its shards now. */
  Path dataDir(String name) {
    return name.equals(diskNode) ? disk.dir() : layout.part(name).dataDir();
  }

  /** The process of {@code name}, or null if it is not running under this network. */
  PartProcess process(String name) {
    return running.get(name);
  }

  /** Whether {@code name}'s process is alive. */
  boolean isAlive(String name) {
    PartProcess p = running.get(name);
    return p != null && p.isAlive();
  }

  /**
   * Starts {@code name} (killing what is left of it first) with its usual settings and {@code extra}
   * on top (a drill's {@code clock-offset}), and waits until it serves.
   */
  void start(String name, Map<String, String> extra) throws IOException, InterruptedException {
    launch(name, extra);
    awaitServing(name);
  }

  /**
   * Starts every part of {@code names} with its usual settings, all at once (their start-ups overlap
   * where one after the other each would wait for the last), and waits until each serves.
   */
  void startTogether(List<String> names) throws IOException, InterruptedException {
    for (String name : names) {
      launch(name, Map.of());
    }
    for (String name : names) {
      awaitServing(name);
    }
  }

  private void launch(String name, Map<String, String> extra) throws IOException, InterruptedException {
    PartProcess old = running.remove(name);
    if (old != null) {
      old.close();
    }
    Map<String, String> sets = new LinkedHashMap<>(baseSets.getOrDefault(name, Map.of()));
    sets.putAll(extra);
    PartLaunch launch = layout.part(name).launch(heap, sets);
    if (quickStart) {
      List<String> options = new ArrayList<>(launch.jvmOptions());
      options.add(QUICK_START);
      launch = launch.withJvmOptions(options.toArray(String[]::new));
    }
    running.put(name, PartProcess.start(name, launch));
  }

  private void awaitServing(String name) throws IOException, InterruptedException {
    PartProcess p = running.get(name);
    try {
      p.awaitLine(SERVING, START_TIMEOUT);
    } catch (TimeoutException | IllegalStateException e) {
      throw new IOException(name + " did not start: " + e.getMessage() + "\n--- last lines of " + name
          + ".log ---\n" + logTail(name), e);
    }
  }

  /** SIGKILL: the part stops at once, mid-write. */
  void kill(String name) throws InterruptedException {
    PartProcess p = running.get(name);
    if (p != null) {
      p.kill();
    }
  }

  void pause(String name) {
    PartProcess p = running.get(name);
    if (p != null) {
      p.pause();
    }
  }

  void resume(String name) {
    PartProcess p = running.get(name);
    if (p != null) {
      p.resume();
    }
  }

  /** SIGTERM and wait; a part that does not stop in time is killed. */
  void stop(String name) throws InterruptedException {
    PartProcess p = running.get(name);
    if (p == null || !p.isAlive()) {
      return;
    }
    try {
      p.terminate(STOP_GRACE);
    } catch (TimeoutException e) {
      LOG.warn("event=soak_part_stop_slow part={}", name);
    }
  }

  /** Whether {@code name}'s {@code /health} on its own port answers 200 now. */
  boolean healthy(String name) {
    if (!isAlive(name)) {
      return false;
    }
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(layout.part(name).directUrl() + "/health"))
          .timeout(HEALTH_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The parts whose {@code /health} is not 200 now. */
  List<String> unhealthy() {
    return names().stream().filter(n -> !healthy(n)).toList();
  }

  /** Where {@code name}'s two output files end now: where a later {@link #logSince} starts. */
  LogMark logMark(String name) throws IOException {
    Part p = layout.part(name);
    return new LogMark(sizeOf(p.workDir().resolve(name + ".out")), sizeOf(p.workDir().resolve(name + ".log")));
  }

  /** Where a part's standard output and error files ended at some moment. */
  record LogMark(long out, long err) {}

  /** Whether {@code name}'s output has a line matching {@code pattern} after {@code mark}. */
  boolean logSince(String name, LogMark mark, Pattern pattern) throws IOException {
    Part p = layout.part(name);
    return foundAfter(p.workDir().resolve(name + ".out"), mark.out(), pattern)
        || foundAfter(p.workDir().resolve(name + ".log"), mark.err(), pattern);
  }

  private static boolean foundAfter(Path file, long mark, Pattern pattern) throws IOException {
    if (!Files.exists(file)) {
      return false;
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long length = f.length();
      if (length <= mark) {
        return false;
      }
      byte[] bytes = new byte[(int) Math.min(length - mark, MAX_LOG_SCAN)];
      f.seek(length - bytes.length);
      f.readFully(bytes);
      return pattern.matcher(new String(bytes, StandardCharsets.UTF_8)).find();
    }
  }

  private static long sizeOf(Path file) throws IOException {
    return Files.exists(file) ? Files.size(file) : 0;
  }

  /** The last lines of a part's output files, for a failure report. */
  String logTail(String name) {
    StringBuilder b = new StringBuilder();
    Part p = layout.part(name);
    for (String file : List.of(name + ".log", name + ".out")) {
      try {
        List<String> lines = Files.readAllLines(p.workDir().resolve(file), StandardCharsets.UTF_8);
        lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()).forEach(l -> b.append(l).append('\n'));
      } catch (IOException e) {
        b.append("(").append(file).append(" cannot be read)\n");
      }
    }
    return b.toString();
  }

  /** Kills every process, closes every proxy, unmounts the small disk; goes on past failures. */
  @Override
  public void close() {
    for (PartProcess p : running.values()) {
      try {
        p.resume();
        p.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.warn("event=soak_close_failed part={} error={}", p.name(), e.toString());
      }
    }
    running.clear();
    proxies.values().forEach(FaultProxy::close);
    if (disk != null) {
      try {
        disk.close();
      } catch (IOException e) {
        LOG.warn("event=soak_unmount_failed dir={} error={}", disk.dir(), e.toString());
      }
    }
  }
}
