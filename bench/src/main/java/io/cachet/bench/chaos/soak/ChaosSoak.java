package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.check.CheckReport;
import io.cachet.bench.chaos.check.ReaderKeys;
import io.cachet.cli.network.NetworkLayout;
import io.cachet.client.ClientConfig;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chaos soak: a whole network as OS processes behind fault proxies, several clients putting,
 * getting and changing access for the run's length, fault rounds against the real processes at
 * times drawn from the seed, then every fault lifted, recovery measured, repair awaited and the
 * independent checker run. Issue 16's "chaos soak"; docs/RELIABILITY.md "Chaos soak" is the guide.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.cachet.bench.chaos.soak.ChaosSoak \
 *     --profile long --minutes 12 --seed 42 --dir /tmp/soak --report /tmp/soak/report.md
 * </pre>
 *
 * <p>Guarantees: the seed is printed first, and every choice of load and faults comes from it
 * (the timing of a loaded machine does not replay, so a replay makes the same choices in the same
 * order, not at the same instants). Every wait is bounded. No process, proxy or mount outlives
 * the run. A run's directory is kept unless the run passed in a temporary one.
 */
public final class ChaosSoak {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosSoak.class);
  /** Longest the prober's set-up may take while the network settles after its start. */
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(90);
  /** Longest the soak waits for a repair pass after the final recovery. */
  private static final Duration REPAIR_WAIT = Duration.ofSeconds(120);
  private static final Pattern REPAIR_PASS = Pattern.compile("repair pass: \\d+ blobs");
  /** The identity every soak policy allows for good; the checker reads blobs back as it. */
  static final String AUDITOR = "auditor";
  /** The report's file name in the run's directory. */
  static final String REPORT = "soak-report.md";

  private ChaosSoak() {}

  public static void main(String[] args) throws Exception {
    SoakOptions options;
    try {
      options = SoakOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("chaos-soak: " + e.getMessage());
      System.exit(2);
      return;
    }
    SoakResult r = run(options);
    System.out.println(SoakReport.markdown(r));
    System.exit(r.passed() ? 0 : 1);
  }

  /** Runs one soak; its report is in the run's directory and at {@code options.report()} if given. */
  public static SoakResult run(SoakOptions options) throws IOException, InterruptedException {
    SoakProfile profile = options.profile();
    System.out.println("chaos-soak: profile " + profile.name() + ", seed " + options.seed() + " (replay with --seed "
        + options.seed() + ")");
    long began = System.nanoTime();
    boolean temporary = options.dir() == null;
    Path dir = temporary ? Files.createTempDirectory("cachet-soak") : Files.createDirectories(options.dir());
    SplittableRandom seeds = new SplittableRandom(options.seed());
    long loadSeed = seeds.nextLong();
    long faultSeed = seeds.nextLong();
    long planSeed = seeds.nextLong();
    long probeSeed = seeds.nextLong();
    Clock clock = Clock.systemUTC();
    SoakResult result = null;
    SoakNetwork network = null;
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "soak-memory");
      t.setDaemon(true);
      return t;
    });
    SoakRecords records = new SoakRecords(dir);
    TxNonces nonces = null;
    Prober prober = null;
    try {
      network = SoakNetwork.start(dir, profile);
      progress(began, "network up: " + network.names().size() + " processes behind fault proxies");
      NetworkLayout layout = network.layout();
      ClientConfig config = ClientConfig.load(layout.descriptorFile());
      Path cache = DurableFiles.privateDirectory(dir.resolve("descriptor-cache"));
      Path readers = dir.resolve("readers");
      Identity auditor = ReaderKeys.create(readers, AUDITOR, new SecureRandom());
      nonces = new TxNonces(layout.part("ledger").directUrl(), records, clock);
      prober = new Prober(config, Identity.generate(new SecureRandom()), cache, probeSeed);
      setUp(prober);
      progress(began, "first put and get worked; load and faults for " + (profile.everyKind() ? "at least " : "")
          + profile.load().toSeconds() + " s" + (profile.everyKind() ? ", until every fault kind was injected" : ""));

      MemoryWatch memory = new MemoryWatch();
      SoakNetwork net = network;
      sampler.scheduleAtFixedRate(() -> memory.sample(net.names(), net::process), 0,
          profile.memorySample().toMillis(), TimeUnit.MILLISECONDS);

      Outcomes outcomes = new Outcomes();
      SoakLoad load = new SoakLoad(profile, config, auditor, AUDITOR, cache, loadSeed, outcomes, records, nonces,
          clock);
      FaultPlanner planner = new FaultPlanner(planSeed, profile,
          layout.parts(NetworkLayout.Kind.KEY_SERVER).stream().map(NetworkLayout.Part::name).toList(),
          layout.parts(NetworkLayout.Kind.NODE).stream().map(NetworkLayout.Part::name).toList(), network.diskNode());
      FaultInjector faults = new FaultInjector(network, planner, prober, faultSeed);
      List<String> problems = new ArrayList<>();
      load.start();
      long loadStart = System.nanoTime();
      faults.run(loadStart, loadStart + profile.load().toNanos(), profile.everyKind());
      problems.addAll(load.stop().stream().map(h -> "hung: " + h).toList());
      progress(began, "load stopped after " + faults.rounds().size() + " fault rounds; lifting every fault");

      long lifted = liftEverything(network, problems);
      Duration recovery = faults.awaitRecovery(lifted);
      progress(began, recovery == null ? "NOT recovered" : "recovered in " + recovery.toMillis() + " ms");
      boolean repaired = awaitRepair(network);
      progress(began, (repaired ? "repair pass done" : "no repair pass within " + REPAIR_WAIT.toSeconds() + " s")
          + "; running the checker");
      sampler.shutdownNow();
      CheckReport check = null;
      String checkError = null;
      try {
        check = SoakCheck.run(layout, records, readers, clock);
      } catch (IOException | RuntimeException e) {
        checkError = e.toString();
      }
      problems.addAll(0, faults.problems());
      result = new SoakResult(profile, options.seed(), dir, shape(layout), Duration.ofNanos(System.nanoTime() - began),
          outcomes.snapshot(), outcomes.untypedSamples(), faults.injected(), faults.rounds(), faults.recoveries(), recovery, repaired, faults.cleanFailures(),
          check, checkError, memory.series(), memory.violations(), problems, nonces.unrecorded());
      String markdown = SoakReport.markdown(result);
      Files.writeString(dir.resolve(REPORT), markdown, StandardCharsets.UTF_8);
      if (options.report() != null) {
        Files.writeString(options.report(), markdown, StandardCharsets.UTF_8);
      }
      return result;
    } catch (FormatException e) {
      throw new IOException("the soak network's descriptor does not parse: " + e.getMessage(), e);
    } finally {
      sampler.shutdownNow();
      if (prober != null) {
        prober.close();
      }
      if (nonces != null) {
        nonces.close();
      }
      records.close();
      if (network != null) {
        network.close();
      }
      if (temporary && result != null && result.passed()) {
        deleteTree(dir);
      } else {
        System.out.println("chaos-soak: the run's directory is kept for a post-mortem: " + dir);
      }
    }
  }

  private static void progress(long began, String what) {
    System.out.printf("chaos-soak: %4d s %s%n", Duration.ofNanos(System.nanoTime() - began).toSeconds(), what);
  }

  private static void setUp(Prober prober) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + SETUP_TIMEOUT.toNanos();
    while (true) {
      try {
        prober.setUp();
        return;
      } catch (Exception e) {
        if (System.nanoTime() - deadline > 0) {
          throw new IOException("the network did not serve a first put and get within " + SETUP_TIMEOUT.toSeconds()
              + " s: " + e, e);
        }
        LOG.info("event=soak_setup_retry error={}", Outcomes.reasonOf(e));
        Thread.sleep(1000);
      }
    }
  }

  /**
   * Every proxy passes, every paused part runs, the small disk has room, every dead part restarts;
   * returns when the lifting began, the faults' end that recovery is measured from.
   */
  private static long liftEverything(SoakNetwork network, List<String> problems) throws InterruptedException {
    long began = System.nanoTime();
    for (String name : network.names()) {
      network.proxy(name).pass();
      network.resume(name);
    }
    try {
      network.disk().release();
    } catch (IOException e) {
      problems.add("the small disk's filler could not be removed: " + e);
    }
    List<String> dead = network.names().stream().filter(name -> !network.isAlive(name)).toList();
    try {
      network.startTogether(dead);
    } catch (IOException e) {
      problems.add("at the end, " + String.join(", ", dead) + " would not all restart: " + e.getMessage());
    }
    return began;
  }

  /**
   * Waits for the gateway's next repair pass, so that what faults broke is rebuilt before the
   * check; whether one ended within {@link #REPAIR_WAIT}. Without one the check still runs: a read
   * needs only enough good shards, and repair is the gateway's business, not an invariant.
   */
  private static boolean awaitRepair(SoakNetwork network) throws InterruptedException {
    try {
      SoakNetwork.LogMark mark = network.logMark("gateway");
      long deadline = System.nanoTime() + REPAIR_WAIT.toNanos();
      while (System.nanoTime() - deadline < 0) {
        if (network.logSince("gateway", mark, REPAIR_PASS)) {
          return true;
        }
        Thread.sleep(500);
      }
      LOG.warn("event=soak_no_repair_pass within_s={}", REPAIR_WAIT.toSeconds());
    } catch (IOException e) {
      LOG.warn("event=soak_repair_unknown error={}", e.toString());
    }
    return false;
  }

  private static String shape(NetworkLayout layout) {
    NetworkLayout.Shape s = layout.shape();
    return s.keyServers() + " key servers (t = " + s.threshold() + "), " + s.nodes() + " storage nodes (f = "
        + (s.nodes() - 1) / 3 + "), " + s.shardSize() + " shards, a ledger and a gateway, each its own process behind"
        + " a fault proxy";
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          LOG.warn("event=soak_cleanup_left path={}", p);
        }
      });
    } catch (IOException e) {
      LOG.warn("event=soak_cleanup_failed dir={}", dir);
    }
  }
}
