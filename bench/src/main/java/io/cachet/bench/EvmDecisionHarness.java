package io.cachet.bench;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.keyserver.KeyServer;
import io.cachet.policy.Decision;
import io.cachet.policy.PolicyLedger;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The figures of EVM policies, each measured against the embedded ledger in the same run, all with
 * real parts on loopback: a real anvil with CachetPolicies, real key servers ({@code chain = evm}
 * and {@code chain = embedded}, configured alike), a real sequencer and follower.
 *
 * <ol>
 *   <li>{@code latency}: p50/p99 of one decision, in process ({@code evaluate} of
 *       {@link io.cachet.policy.evm.EvmPolicyLedger}, cold: a question never asked at that block,
 *       and warm: from its cache; against the embedded {@code Follower}), and of a whole
 *       single-item fetch through a real key server, one request at a time;
 *   <li>{@code revocation}: with a block every second, the time from submitting a revocation until
 *       each of 3 key servers refuses the revoked reader, for 0 and 2 confirmations;
 *   <li>{@code throughput}: releases per second at saturation with batches of 1 and 100, with the
 *       load generator of {@link KeyServerHarness}, and the fraction of decisions the key server's
 *       decision cache answered (eth_calls counted on the way to anvil).
 * </ol>
 *
 * <p>No figure is asserted: the harness prints them. Run: {@code mvn -B -q -o -DskipTests -pl bench -am
 * package && java -cp bench/target/benchmarks.jar io.cachet.bench.EvmDecisionHarness [latency|revocation|
 * throughput|all] [smoke]} from the checkout (anvil from {@code npm ci --ignore-scripts}).
 * {@code -Dcachet.bench.evmPollMillis=N} sets how often EVM key servers read the head (default: the
 * key server's own, {@code EvmLedgerConfig.DEFAULT_POLL_INTERVAL}); docs/PERFORMANCE.md ("EVM policies") lists the other properties.
 */
public final class EvmDecisionHarness {
  /** How often a refusal is probed for after a revocation. */
  private static final Duration PROBE_INTERVAL = Duration.ofMillis(20);
  /** Longest a revocation may take to be refused before the harness gives up on it. */
  private static final Duration REFUSAL_TIMEOUT = Duration.ofSeconds(60);
  /** Probe answers that were no fetch_key response (HTTP 200 with a body that does not parse). */
  private static final java.util.concurrent.atomic.AtomicLong UNREADABLE_ANSWERS =
      new java.util.concurrent.atomic.AtomicLong();
  /** Key servers that must all refuse a revoked reader. */
  private static final int REVOCATION_SERVERS = 3;

  /** How much of each figure to run. */
  record Scale(int evaluations, int fetches, int revocations, int readers, int seconds, int warmupSeconds,
      int rounds) {
    static final Scale FULL = new Scale(5000, 300, 40, 512, 10, 15, 3);
    /** A few iterations of everything: for the smoke test, no figure means anything. */
    static final Scale SMOKE = new Scale(20, 4, 2, 8, 1, 1, 1);
  }

  private EvmDecisionHarness() {}

  public static void main(String[] args) throws Exception {
    String figure = args.length > 0 ? args[0] : "all";
    Scale scale = args.length > 1 && "smoke".equals(args[1]) ? Scale.SMOKE : Scale.FULL;
    run(figure, scale);
  }

  /** Runs {@code figure} ("latency", "revocation", "throughput" or "all") at {@code scale}. */
  static void run(String figure, Scale scale) throws Exception {
    Path dir = Files.createTempDirectory("cachet-evm-bench-");
    System.out.printf("EVM decision harness: %d cores, load average %.1f, EVM key servers poll every %d ms, data in %s%n",
        Runtime.getRuntime().availableProcessors(), java.lang.management.ManagementFactory
            .getOperatingSystemMXBean().getSystemLoadAverage(), evmPoll().toMillis(), dir);
    if ("latency".equals(figure) || "all".equals(figure)) {
      latency(scale, dir.resolve("latency"));
    }
    if ("revocation".equals(figure) || "all".equals(figure)) {
      revocation(scale, dir.resolve("revocation"));
    }
    if ("throughput".equals(figure) || "all".equals(figure)) {
      EvmThroughput.run(scale, dir.resolve("throughput"));
    }
  }

  static Duration evmPoll() {
    return Duration.ofMillis(Long.getLong("cachet.bench.evmPollMillis",
        io.cachet.policy.evm.EvmLedgerConfig.DEFAULT_POLL_INTERVAL.toMillis()));
  }

  // ---------------------------------------------------------------- 1. decision latency

  private static void latency(Scale s, Path dir) throws Exception {
    System.out.println("== decision latency");
    try (EmbeddedRig embedded = new EmbeddedRig(dir.resolve("embedded"));
        EvmRig evm = new EvmRig(dir.resolve("evm"), 0, evmPoll(), false)) {
      embedded.startServers(1);
      evm.startServers(1);
      List<BenchReader> embeddedReaders = grantedReaders(embedded, s.fetches());
      List<BenchReader> evmReaders = grantedReaders(evm, s.fetches());
      embedded.awaitFollower(embedded.head());
      embedded.awaitServers(embedded.head());
      evm.ledger().awaitHeight(evm.head()).get(60, TimeUnit.SECONDS);
      evm.awaitServers(evm.head());

      Address member = embeddedReaders.get(0).address;
      long[] follower = evaluate(embedded, s.evaluations(), i -> member);
      Address evmMember = evmReaders.get(0).address;
      long[] cold = evaluate(evm, s.evaluations(), i -> Address.ofEvm(randomBytes(20)));
      long[] warm = evaluate(evm, s.evaluations(), i -> evmMember);
      System.out.printf("evaluate, embedded Follower (a member): p50 %.3f ms, p99 %.3f ms (n=%d)%n", p(follower, 0.5),
          p(follower, 0.99), follower.length);
      System.out.printf("evaluate, EVM cold (a reader never asked: one eth_call of canRead): p50 %.3f ms, p99 %.3f ms;"
          + " %.0f and %.0f times embedded%n", p(cold, 0.5), p(cold, 0.99), p(cold, 0.5) / p(follower, 0.5),
          p(cold, 0.99) / p(follower, 0.99));
      System.out.printf("evaluate, EVM warm (cached at this block): p50 %.3f ms, p99 %.3f ms; %.1f and %.1f times"
          + " embedded%n", p(warm, 0.5), p(warm, 0.99), p(warm, 0.5) / p(follower, 0.5),
          p(warm, 0.99) / p(follower, 0.99));

      Vertx clientVertx = Vertx.vertx();
      try {
        long[][] e = fetchPasses(embedded, embeddedReaders, clientVertx, null);
        long[][] v = fetchPasses(evm, evmReaders, clientVertx, evm);
        System.out.printf("fetch of one item through a key server, embedded: p50 %.2f ms, p99 %.2f ms (n=%d)%n",
            p(e[1], 0.5), p(e[1], 0.99), e[1].length);
        System.out.printf("fetch, EVM, first request of each reader at a new block (cold): p50 %.2f ms, p99 %.2f ms;"
            + " %.2f and %.2f times embedded%n", p(v[0], 0.5), p(v[0], 0.99), p(v[0], 0.5) / p(e[1], 0.5),
            p(v[0], 0.99) / p(e[1], 0.99));
        System.out.printf("fetch, EVM, same readers again (warm): p50 %.2f ms, p99 %.2f ms; %.2f and %.2f times"
            + " embedded%n", p(v[1], 0.5), p(v[1], 0.99), p(v[1], 0.5) / p(e[1], 0.5), p(v[1], 0.99) / p(e[1], 0.99));
      } finally {
        clientVertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  private interface ReaderChoice {
    Address reader(int i);
  }

  /** Nanoseconds of each of {@code n} evaluations, after as many unmeasured ones to warm the JIT up. */
  private static long[] evaluate(DecisionRig rig, int n, ReaderChoice who) {
    PolicyLedger ledger = rig.ledger();
    String ledgerId = rig.envelopeLedgerId();
    PolicyId policy = rig.policy();
    long[] out = new long[n];
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < n; i++) {
        Address reader = who.reader(i);
        long t = System.nanoTime();
        Decision d = ledger.evaluate(ledgerId, policy, reader);
        out[i] = System.nanoTime() - t;
        if (d.reason() == io.cachet.policy.Reason.LEDGER_UNAVAILABLE) {
          throw new IllegalStateException("the ledger did not answer: " + d.message());
        }
      }
    }
    Arrays.sort(out);
    return out;
  }

  /**
   * Three passes of one fetch per reader, one request at a time: the first verifies every session
   * certificate and warms up; then (on EVM, after a new block is mined and seen) the first request of
   * each reader at that block, and the same again. Returns the last two passes' sorted nanoseconds.
   */
  private static long[][] fetchPasses(DecisionRig rig, List<BenchReader> readers, Vertx clientVertx, EvmRig evm)
      throws Exception {
    KeyServer server = rig.servers.get(0);
    HttpClient client = client(clientVertx, server);
    KeyServerHarness.Driver driver = new KeyServerHarness.Driver(client, new long[0]);
    List<FetchKeyItem> item = List.of(FetchKeyItem.of(rig.seal(), 1));
    fetchPass(driver, server, readers, item);
    if (evm != null) {
      evm.mine();
      rig.awaitServers(evm.head());
    }
    long[] first = fetchPass(driver, server, readers, item);
    long[] again = fetchPass(driver, server, readers, item);
    client.close();
    return new long[][] {first, again};
  }

  private static long[] fetchPass(KeyServerHarness.Driver driver, KeyServer server, List<BenchReader> readers,
      List<FetchKeyItem> item) throws Exception {
    long[] out = new long[readers.size()];
    for (int i = 0; i < readers.size(); i++) {
      Buffer body = readers.get(i).request(server.serverId(), item);
      long t = System.nanoTime();
      ItemResult r = answer(driver, body);
      out[i] = System.nanoTime() - t;
      if (!r.isReleased()) {
        throw new IllegalStateException("a granted reader was refused: " + r.reason() + " " + r.message());
      }
    }
    Arrays.sort(out);
    return out;
  }

  // ---------------------------------------------------------------- 2. revocation to refusal

  private static void revocation(Scale s, Path dir) throws Exception {
    System.out.println("== revocation to refusal at every one of " + REVOCATION_SERVERS + " key servers");
    try (EmbeddedRig embedded = new EmbeddedRig(dir.resolve("embedded"))) {
      revocations(embedded, s.revocations(), 0);
    }
    for (long confirmations : new long[] {0, 2}) {
      try (EvmRig evm = new EvmRig(dir.resolve("evm-" + confirmations), confirmations, evmPoll(), false)) {
        revocations(evm, s.revocations(), confirmations);
      }
    }
  }

  private static void revocations(DecisionRig rig, int n, long confirmations) throws Exception {
    rig.startServers(REVOCATION_SERVERS);
    List<BenchReader> readers = grantedReaders(rig, n);
    if (rig instanceof EvmRig evm) {
      for (long i = 0; i < confirmations; i++) {
        evm.mine();
      }
      evm.blockEvery(1);
    }
    rig.awaitServers(rig.head() - confirmations);
    Vertx clientVertx = Vertx.vertx();
    ExecutorService probes = Executors.newFixedThreadPool(REVOCATION_SERVERS);
    try {
      List<KeyServerHarness.Driver> drivers = new ArrayList<>();
      for (KeyServer server : rig.servers) {
        drivers.add(new KeyServerHarness.Driver(client(clientVertx, server), new long[0]));
      }
      var header = rig.seal();
      long[][] perServer = new long[REVOCATION_SERVERS][n];
      long[] every = new long[n];
      for (int r = 0; r < n; r++) {
        BenchReader reader = readers.get(r);
        for (int k = 0; k < REVOCATION_SERVERS; k++) {
          ItemResult before = answer(drivers.get(k), reader.request(rig.servers.get(k).serverId(),
              List.of(FetchKeyItem.of(header, k + 1))));
          if (!before.isReleased()) {
            throw new IllegalStateException("refused before the revocation: " + before.reason());
          }
        }
        long start = System.nanoTime();
        CompletableFuture<Long> revoked = rig.revoke(reader.address);
        List<Future<Long>> refused = new ArrayList<>();
        for (int k = 0; k < REVOCATION_SERVERS; k++) {
          int slot = k;
          refused.add(probes.submit(() -> untilRefused(drivers.get(slot), rig.servers.get(slot), reader,
              FetchKeyItem.of(header, slot + 1), start)));
        }
        for (int k = 0; k < REVOCATION_SERVERS; k++) {
          perServer[k][r] = refused.get(k).get(REFUSAL_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
          every[r] = Math.max(every[r], perServer[k][r]);
        }
        revoked.get(REFUSAL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      String what = rig instanceof EvmRig ? "EVM, 1 s blocks, " + confirmations + " confirmations" : "embedded";
      for (int k = 0; k < REVOCATION_SERVERS; k++) {
        Arrays.sort(perServer[k]);
        System.out.printf("  %s, %s: p50 %.0f ms, p99 %.0f ms%n", what, rig.servers.get(k).serverId(),
            p(perServer[k], 0.5), p(perServer[k], 0.99));
      }
      Arrays.sort(every);
      System.out.printf("revocation to refusal at all %d key servers, %s: p50 %.0f ms, p99 %.0f ms, max %.0f ms"
          + " (n=%d); unreadable answers so far: %d%n", REVOCATION_SERVERS, what, p(every, 0.5), p(every, 0.99),
          p(every, 1.0), n, UNREADABLE_ANSWERS.get());
    } finally {
      probes.shutdownNow();
      clientVertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** Probes {@code server} every {@link #PROBE_INTERVAL} until it refuses; nanoseconds since {@code start}. */
  private static long untilRefused(KeyServerHarness.Driver driver, KeyServer server, BenchReader reader,
      FetchKeyItem item, long start) throws Exception {
    long deadline = start + REFUSAL_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      ItemResult r;
      try {
        r = answer(driver, reader.request(server.serverId(), List.of(item)));
      } catch (io.cachet.crypto.FormatException e) {
        // an answer that is no fetch_key response is neither a release nor a refusal: say so, probe on
        UNREADABLE_ANSWERS.incrementAndGet();
        System.out.println("  " + server.serverId() + " answered what is no fetch_key response: " + e.getMessage());
        Thread.sleep(PROBE_INTERVAL.toMillis());
        continue;
      }
      if (!r.isReleased()) {
        return System.nanoTime() - start;
      }
      Thread.sleep(PROBE_INTERVAL.toMillis());
    }
    throw new IllegalStateException(server.serverId() + " still released " + REFUSAL_TIMEOUT + " after the revocation");
  }

  // ---------------------------------------------------------------- shared

  /** {@code n} new readers of the rig's kind, each granted, certified for all its key servers. */
  static List<BenchReader> grantedReaders(DecisionRig rig, int n) throws Exception {
    List<BenchReader> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      BenchReader reader = new BenchReader(rig.newRequester(), rig.serverIds());
      rig.grant(reader.address);
      out.add(reader);
    }
    return out;
  }

  static HttpClient client(Vertx vertx, KeyServer server) {
    return vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port())
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(KeyServerHarness.CONNECTIONS));
  }

  private static ItemResult answer(KeyServerHarness.Driver driver, Buffer body) throws Exception {
    Buffer b = driver.send(body).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return FetchKeyResponse.fromJson(b.getBytes()).items().get(0);
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    DecisionRig.RANDOM.nextBytes(b);
    return b;
  }

  /** Quantile {@code q} of sorted nanoseconds, in milliseconds. */
  static double p(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sortedNanos.length - 1, Math.round((sortedNanos.length - 1) * q));
    return sortedNanos[i] / 1e6;
  }
}
