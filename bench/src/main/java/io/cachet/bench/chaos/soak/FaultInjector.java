package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.FaultProxy;
import io.cachet.bench.chaos.FileDamage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs fault rounds against the network until the load's end: apply, hold, lift, then wait for
 * recovery (every part's {@code /health} 200 on its own port and a put and a get through the
 * fronts) and note how long it took. A round beyond tolerance also asks, while it holds, how the
 * network fails: a get and a put must fail with a typed reason within {@link Prober#BOUND}, or
 * work; never hang, never return wrong bytes.
 *
 * <p>Not thread-safe: one thread runs the rounds; the results are read after {@link #run} returns.
 */
final class FaultInjector {
  private static final Logger LOG = LoggerFactory.getLogger(FaultInjector.class);
  /** Longest the network may take to recover after a round before the run is a failure. */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(180);
  /** How often recovery is looked at. */
  private static final long RECOVERY_POLL_MILLIS = 250;
  /** Free bytes a filled small disk keeps. */
  private static final long FILLED_LEAVES = 64 * 1024;
  /** Bytes of a shard file flipped by a corruption. */
  private static final int FLIPPED_BYTES = 16;
  /** A stable reason code: upper-case words, as the client's typed exceptions carry. */
  private static final Pattern REASON_CODE = Pattern.compile("[A-Z][A-Z0-9_]+");

  /** What a round beyond tolerance showed. */
  record CleanFailure(String round, String probe, Prober.Answer answer, boolean clean) {}

  private final SoakNetwork network;
  private final FaultPlanner planner;
  private final Prober prober;
  private final SplittableRandom random;
  private final Map<String, Integer> injected = new TreeMap<>();
  private final Map<String, List<Duration>> recoveries = new TreeMap<>();
  private final List<CleanFailure> cleanFailures = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  private long lastLiftNanos;

  FaultInjector(SoakNetwork network, FaultPlanner planner, Prober prober, long seed) {
    this.network = network;
    this.planner = planner;
    this.prober = prober;
    this.random = new SplittableRandom(seed);
  }

  /**
   * Runs rounds until {@code endNanos} (System.nanoTime), each after a gap; returns when the last is
   * recovered. With {@code everyKind}, goes on past {@code endNanos} until every kind has been
   * played and a round has gone beyond tolerance, and returns as soon as both hold.
   */
  void run(long startNanos, long endNanos, boolean everyKind) throws InterruptedException {
    long middle = startNanos + (endNanos - startNanos) / 2;
    while (true) {
      if (everyKind && planner.dealtEveryKind() && System.nanoTime() - endNanos > 0) {
        return;
      }
      Thread.sleep(planner.gap().toMillis());
      if (System.nanoTime() - endNanos > 0 && (!everyKind || planner.dealtEveryKind())) {
        return;
      }
      FaultRound round = planner.next(System.nanoTime() - middle > 0);
      play(round);
    }
  }

  private void play(FaultRound round) throws InterruptedException {
    String key = round.kind() + (round.beyond() ? " (beyond)" : "");
    injected.merge(key, 1, Integer::sum);
    LOG.info("event=soak_fault_applied round={}", round.describe());
    String detail = round.detail();
    try {
      detail = apply(round);
    } catch (IOException | RuntimeException e) {
      problems.add("applying " + round.describe() + " failed: " + e);
    }
    log.add(round.describe() + (detail.equals(round.detail()) ? "" : " " + detail));
    if (round.beyond()) {
      probeWhileBeyond(round);
    }
    Thread.sleep(round.hold().toMillis());
    // the fault ends when its lifting begins: a restart's start-up counts into recovery
    lastLiftNanos = System.nanoTime();
    try {
      lift(round);
    } catch (IOException | RuntimeException e) {
      problems.add("lifting " + round.describe() + " failed: " + e + "\n" + tails(round.targets()));
    }
    Duration took = awaitRecovery(lastLiftNanos);
    if (took == null) {
      problems.add("not recovered within " + RECOVERY_BOUND.toSeconds() + " s after " + round.describe()
          + "; unhealthy: " + network.unhealthy());
    } else {
      recoveries.computeIfAbsent(round.kind() + (round.beyond() ? " (beyond)" : ""), k -> new ArrayList<>()).add(took);
    }
  }

  private String apply(FaultRound round) throws IOException, InterruptedException {
    switch (round.kind()) {
      case KILL -> {
        for (String t : round.targets()) {
          network.kill(t);
        }
      }
      case PAUSE -> round.targets().forEach(network::pause);
      case PROXY_DELAY -> {
        Duration base = Duration.ofMillis(100 + random.nextLong(900));
        round.targets().forEach(t -> network.proxy(t).delay(base, base.dividedBy(4)));
        return "delay " + base.toMillis() + " ms";
      }
      case PROXY_DROP -> round.targets().forEach(t -> network.proxy(t).drop());
      case PROXY_RESET -> round.targets().forEach(t -> network.proxy(t).reset());
      case PROXY_CUT -> round.targets().forEach(t -> network.proxy(t).cut(round.hold()));
      case DISK_FULL -> {
        long filled = network.disk().fill(FILLED_LEAVES);
        return "filled " + filled + " bytes";
      }
      case CLOCK_OFFSET -> {
        String name = round.targets().get(0);
        network.stop(name);
        network.start(name, Map.of("clock-offset", round.detail().substring("clock-offset=".length())));
      }
      case SHARD_CORRUPT -> {
        String name = round.targets().get(0);
        List<Path> shards = FileDamage.shardFiles(network.dataDir(name));
        if (shards.isEmpty()) {
          return "no shard file yet";
        }
        Path file = shards.get(random.nextInt(shards.size()));
        FileDamage.flipRandom(file, FLIPPED_BYTES, new Random(random.nextLong()));
        return "flipped " + FLIPPED_BYTES + " bytes of a shard file of " + FileDamage.blobOf(file).map(Object::toString)
            .orElse("a blob");
      }
      default -> throw new IllegalStateException("no such fault " + round.kind());
    }
    return round.detail();
  }

  private void lift(FaultRound round) throws IOException, InterruptedException {
    switch (round.kind()) {
      case KILL -> network.startTogether(round.targets());
      case PAUSE -> round.targets().forEach(network::resume);
      case PROXY_DELAY, PROXY_DROP, PROXY_RESET, PROXY_CUT -> round.targets().stream().map(network::proxy)
          .forEach(FaultProxy::pass);
      case DISK_FULL -> network.disk().release();
      case CLOCK_OFFSET -> {
        String name = round.targets().get(0);
        network.stop(name);
        network.start(name, Map.of());
      }
      case SHARD_CORRUPT -> {
        // nothing to lift: repair rewrites the shard, or a read passes it over
      }
      default -> throw new IllegalStateException("no such fault " + round.kind());
    }
  }

  private void probeWhileBeyond(FaultRound round) {
    for (String probe : List.of("get", "put")) {
      Prober.Answer a = probe.equals("get") ? prober.getKnown() : prober.putOnly();
      boolean clean = switch (a.result()) {
        case WORKED -> true;
        case FAILED_CLEANLY -> REASON_CODE.matcher(a.reason()).matches();
        case WRONG_BYTES, HUNG -> false;
      };
      cleanFailures.add(new CleanFailure(round.describe(), probe, a, clean));
      if (!clean) {
        problems.add("beyond tolerance (" + round.describe() + "), the " + probe + " " + a.result()
            + (a.reason().isEmpty() ? "" : " " + a.reason()) + " after " + a.took().toMillis() + " ms");
      }
    }
  }

  /**
   * Waits until every part is healthy and a put and a get work; how long that took from
   * {@code fromNanos}, or null if not within {@link #RECOVERY_BOUND}.
   */
  Duration awaitRecovery(long fromNanos) throws InterruptedException {
    long deadline = fromNanos + RECOVERY_BOUND.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (network.unhealthy().isEmpty()) {
        Prober.Answer a = prober.putAndGet();
        if (a.result() == Prober.Result.WRONG_BYTES) {
          problems.add("a probe read wrong bytes while recovering");
        }
        if (a.result() == Prober.Result.WORKED) {
          return Duration.ofNanos(System.nanoTime() - fromNanos);
        }
      }
      Thread.sleep(RECOVERY_POLL_MILLIS);
    }
    return null;
  }

  private String tails(List<String> names) {
    StringBuilder b = new StringBuilder();
    for (String n : names) {
      b.append("--- ").append(n).append(" ---\n").append(network.logTail(n));
    }
    return b.toString();
  }

  /** Rounds by kind ("KILL", "KILL (beyond)", ...) to how many. */
  Map<String, Integer> injected() {
    return injected;
  }

  /** Recovery times by round kind. */
  Map<String, List<Duration>> recoveries() {
    return recoveries;
  }

  List<CleanFailure> cleanFailures() {
    return cleanFailures;
  }

  /** What went wrong that is a finding: a part that would not restart, no recovery, a hang, wrong bytes. */
  List<String> problems() {
    return problems;
  }

  /** Every round, as played. */
  List<String> rounds() {
    return log;
  }

  /** When the last round was lifted (System.nanoTime), 0 if none was. */
  long lastLiftNanos() {
    return lastLiftNanos;
  }
}
