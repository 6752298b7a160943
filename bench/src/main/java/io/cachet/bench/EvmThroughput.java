package io.cachet.bench;

import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.keyserver.KeyServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Figure 3 of {@link EvmDecisionHarness}: releases per second at saturation through one key server
 * deciding on the embedded ledger, then through one deciding on an EVM chain (a block a second, 0
 * confirmations), with {@link KeyServerHarness}'s load generator and the same key-server settings.
 * Every item is released. For EVM it also gives the fraction of decisions answered by the key
 * server's decision cache (1 less the eth_calls that reached anvil per decision) and anvil's own
 * CPU per release, which the JVM's CPU figures do not include.
 */
final class EvmThroughput {
  /** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
  private static final double TICKS_PER_SECOND = 100;
  /** Requests signed ahead per second of a phase: above any rate this machine reaches with batches of 1. */
  private static final int PRESIGNED_PER_SECOND = 3000;
  /**
   * A system property: when true, EVM key servers reach anvil directly, without the relay that
   * counts eth_calls (whose hop costs every miss CPU in this JVM); the cache fraction is then not known.
   */
  static final String NO_RELAY_PROPERTY = "cachet.bench.noRelay";
  /** Warm-up of every round after the first, seconds. */
  private static final int LATER_WARMUP_SECONDS = 3;
  /** Envelopes the items are drawn from. */
  private static final int ENVELOPES = 64;

  private EvmThroughput() {}

  /** What one rig did in one phase. */
  private record Phase(double itemsPerSecond, long errors, double serverCpuMicrosPerItem, double cacheHits,
      double anvilCpuMicrosPerItem) {}

  static void run(EvmDecisionHarness.Scale s, Path dir) throws Exception {
    System.out.println("== releases per second, " + s.readers() + " readers, one key server each");
    // both rigs live through the whole figure and their phases alternate, so that the other work
    // on this machine weighs on both alike
    try (EmbeddedRig embeddedRig = new EmbeddedRig(dir.resolve("embedded"));
        EvmRig evmRig = new EvmRig(dir.resolve("evm"), 0, EvmDecisionHarness.evmPoll(),
            !Boolean.getBoolean(NO_RELAY_PROPERTY));
        Target embedded = new Target(embeddedRig, s);
        Target evm = new Target(evmRig, s)) {
      for (int batch : new int[] {1, 100}) {
        double[] ratios = new double[s.rounds()];
        for (int round = 0; round < s.rounds(); round++) {
          // C2 needs a long warm-up once; later rounds only settle the connections
          int warmup = round == 0 ? s.warmupSeconds() : Math.min(s.warmupSeconds(), LATER_WARMUP_SECONDS);
          Phase e = embedded.phase(batch, warmup, s.seconds());
          Phase v = evm.phase(batch, warmup, s.seconds());
          ratios[round] = v.itemsPerSecond() / e.itemsPerSecond();
          System.out.printf("batches of %d, round %d: embedded %.0f items/s (%d errors, key-server CPU %.0f us/item);"
              + " EVM %.0f items/s (%d errors, key-server CPU %.0f us/item, anvil CPU %.0f us/item, %.1f%% of"
              + " decisions from the cache): ratio %.2f%n", batch, round + 1, e.itemsPerSecond(), e.errors(),
              e.serverCpuMicrosPerItem(), v.itemsPerSecond(), v.errors(), v.serverCpuMicrosPerItem(),
              v.anvilCpuMicrosPerItem(), 100 * v.cacheHits(), ratios[round]);
        }
        java.util.Arrays.sort(ratios);
        System.out.printf("batches of %d: EVM / embedded, median of %d rounds %.2f (range %.2f to %.2f)%n", batch,
            ratios.length, ratios[ratios.length / 2], ratios[0], ratios[ratios.length - 1]);
      }
    }
  }

  /** One rig's key server, its granted readers, envelopes and load client. */
  private static final class Target implements AutoCloseable {
    final DecisionRig rig;
    final KeyServer server;
    final List<BenchReader> readers;
    final List<FetchKeyItem> items = new ArrayList<>();
    final Vertx clientVertx = Vertx.vertx();
    final HttpClient client;
    final KeyServerHarness.Driver driver;

    Target(DecisionRig rig, EvmDecisionHarness.Scale s) throws Exception {
      this.rig = rig;
      rig.startServers(1);
      readers = EvmDecisionHarness.grantedReaders(rig, s.readers());
      if (rig instanceof EvmRig evm) {
        evm.blockEvery(1);
      }
      rig.awaitServers(rig.head());
      server = rig.servers.get(0);
      for (int i = 0; i < ENVELOPES; i++) {
        items.add(FetchKeyItem.of(rig.seal(), 1));
      }
      client = EvmDecisionHarness.client(clientVertx, server);
      driver = new KeyServerHarness.Driver(client, KeyServerHarness.clientThreads(clientVertx));
    }

    /** A warm-up, then a measured phase at saturation with batches of {@code batch}. */
    Phase phase(int batch, int warmupSeconds, int seconds) throws Exception {
      int perSecond = PRESIGNED_PER_SECOND / batch + 1;
      driver.closedLoop(presign(server, readers, items, batch, perSecond * warmupSeconds
          + 4 * KeyServerHarness.CONNECTIONS), warmupSeconds);
      List<KeyServerHarness.Request> signed = presign(server, readers, items, batch, perSecond * seconds);
      EvmRig evm = rig instanceof EvmRig e ? e : null;
      long calls = evm == null ? 0 : evm.ethCalls();
      long anvilTicks = evm == null ? 0 : cpuTicks(evm.anvilPid());
      java.util.Map<String, Long> before = Boolean.getBoolean("cachet.bench.threads")
          ? KeyServerHarness.threadCpuByName() : null;
      long processBefore = KeyServerHarness.processCpu();
      KeyServerHarness.Driver.Result r = driver.closedLoop(signed, seconds);
      if (before != null) {
        System.out.printf("  CPU by thread, %s, batches of %d (per request):%n", rig.name(), batch);
        KeyServerHarness.printThreadCpu(before, KeyServerHarness.threadCpuByName(),
            KeyServerHarness.processCpu() - processBefore, r.requests());
      }
      double decisions = (double) r.requests() * batch;
      double hits = evm == null || calls < 0 ? Double.NaN : 1 - (evm.ethCalls() - calls) / decisions;
      double anvil = evm == null ? Double.NaN
          : (cpuTicks(evm.anvilPid()) - anvilTicks) / TICKS_PER_SECOND * 1e6 / decisions;
      Phase out = new Phase(r.requestsPerSecond() * batch, r.errors(), r.cpuMicrosPerRequest() / batch, hits, anvil);
      System.out.printf("  %s, batches of %d: %.0f items/s, %d errors%n", rig.name(), batch, out.itemsPerSecond(),
          r.errors());
      return out;
    }

    @Override
    public void close() throws Exception {
      client.close();
      clientVertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** {@code count} requests of {@code batch} items, reader i mod readers, signed on every core. */
  private static List<KeyServerHarness.Request> presign(KeyServer server, List<BenchReader> readers,
      List<FetchKeyItem> items, int batch, int count) {
    KeyServerHarness.Request[] out = new KeyServerHarness.Request[count];
    IntStream.range(0, count).parallel().forEach(i -> {
      List<FetchKeyItem> chosen = new ArrayList<>(batch);
      for (int k = 0; k < batch; k++) {
        chosen.add(items.get((i * batch + k) % items.size()));
      }
      out[i] = KeyServerHarness.Request.of(readers.get(i % readers.size()).request(server.serverId(), chosen));
    });
    return List.of(out);
  }

  /** utime + stime of process {@code pid}, in clock ticks; 0 if it cannot be read. */
  private static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (Exception e) {
      return 0;
    }
  }
}
