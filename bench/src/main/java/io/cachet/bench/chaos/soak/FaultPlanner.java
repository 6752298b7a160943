package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.soak.FaultRound.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Picks the next fault round from the run's seed. Within tolerance a round touches one part: at
 * most one node (f = 1 of 4) or one key server (n − t = 1 of 3), and the ledger and the gateway
 * only for {@link #BRIEF}. Beyond tolerance a round takes down two of the three key servers or
 * two of the four nodes, in turns. Kinds within tolerance are dealt from a shuffled deck, so a
 * run sees every kind before any repeats. A clock offset goes to a key server, a node or the gateway, never to the
 * ledger: the ledger's block times would run back when it restarts without the offset, which is a
 * fault of the operator's, not of the network's.
 */
final class FaultPlanner {
  /** Longest the ledger and the gateway, which have no replica, are faulted within tolerance. */
  static final Duration BRIEF = Duration.ofSeconds(3);
  /** Largest clock offset injected, either way. */
  static final Duration MAX_CLOCK_OFFSET = Duration.ofSeconds(120);

  private final SplittableRandom random;
  private final SoakProfile profile;
  private final List<String> keyServers;
  private final List<String> nodes;
  private final String diskNode;
  private final List<Kind> deck = new ArrayList<>();
  private final Set<Kind> dealt = EnumSet.noneOf(Kind.class);
  private int rounds;
  private int beyondRounds;
  private boolean firstBeyondKeyServers;

  FaultPlanner(long seed, SoakProfile profile, List<String> keyServers, List<String> nodes, String diskNode) {
    this.random = new SplittableRandom(seed);
    this.profile = profile;
    this.keyServers = List.copyOf(keyServers);
    this.nodes = List.copyOf(nodes);
    this.diskNode = diskNode;
  }

  /** The pause before the next round. */
  Duration gap() {
    return profile.faultGap().plusMillis(random.nextLong(profile.faultGap().toMillis() + 1));
  }

  /**
   * The next round. {@code late} says the run is past its middle: a run that has had no round
   * beyond tolerance by then gets one, so every run checks a clean failure.
   */
  FaultRound next(boolean late) {
    rounds++;
    boolean beyond = random.nextDouble() < profile.beyondShare() || late && beyondRounds == 0;
    Duration hold = profile.faultHold().plusMillis(random.nextLong(profile.faultHold().toMillis() + 1));
    if (beyond) {
      // key servers and nodes take turns, the first drawn: a run with two rounds beyond sees both
      boolean keyServersFirst = beyondRounds == 0 ? (firstBeyondKeyServers = random.nextBoolean())
          : firstBeyondKeyServers;
      List<String> pool = (beyondRounds % 2 == 0) == keyServersFirst ? keyServers : nodes;
      beyondRounds++;
      List<String> two = pickTwo(pool);
      return new FaultRound(Kind.KILL, two, hold, true, pool == keyServers
          ? "2 of " + keyServers.size() + " key servers" : "2 of " + nodes.size() + " nodes");
    }
    Kind kind = nextKind();
    return switch (kind) {
      case DISK_FULL -> new FaultRound(kind, List.of(diskNode), hold, false, "");
      case SHARD_CORRUPT -> new FaultRound(kind, List.of(any(nodes)), Duration.ZERO, false, "");
      case CLOCK_OFFSET -> {
        List<String> pool = new ArrayList<>(keyServers);
        pool.addAll(nodes);
        pool.add("gateway");
        long seconds = 30 + random.nextLong(MAX_CLOCK_OFFSET.toSeconds() - 29);
        String offset = (random.nextBoolean() ? "" : "-") + seconds + "s";
        String target = any(pool);
        yield new FaultRound(kind, List.of(target), briefFor(target, hold), false, "clock-offset=" + offset);
      }
      default -> {
        String target = anyPart();
        yield new FaultRound(kind, List.of(target), briefFor(target, hold), false, "");
      }
    };
  }

  /** {@code hold}, or {@link #BRIEF} if shorter and {@code target} has no replica. */
  private static Duration briefFor(String target, Duration hold) {
    boolean single = target.equals("ledger") || target.equals("gateway");
    return single && hold.compareTo(BRIEF) > 0 ? BRIEF : hold;
  }

  /**
   * The next kind from a shuffled deck of every kind, dealt out before it is shuffled again: a run
   * of as many rounds as there are kinds sees each.
   */
  private Kind nextKind() {
    if (deck.isEmpty()) {
      deck.addAll(List.of(Kind.values()));
      for (int i = deck.size() - 1; i > 0; i--) {
        Collections.swap(deck, i, random.nextInt(i + 1));
      }
    }
    Kind kind = deck.remove(deck.size() - 1);
    dealt.add(kind);
    return kind;
  }

  /** Whether every kind has been dealt and a round has gone beyond tolerance: a run that stops now has seen all. */
  boolean dealtEveryKind() {
    return dealt.size() == Kind.values().length && beyondRounds > 0;
  }

  /** Rounds planned so far, and how many of them beyond tolerance. */
  int rounds() {
    return rounds;
  }

  int beyondRounds() {
    return beyondRounds;
  }

  private String anyPart() {
    List<String> all = new ArrayList<>();
    all.add("ledger");
    all.add("gateway");
    all.addAll(keyServers);
    all.addAll(nodes);
    return any(all);
  }

  private String any(List<String> pool) {
    return pool.get(random.nextInt(pool.size()));
  }

  private List<String> pickTwo(List<String> pool) {
    int a = random.nextInt(pool.size());
    int b = random.nextInt(pool.size() - 1);
    if (b >= a) {
      b++;
    }
    return List.of(pool.get(a), pool.get(b));
  }
}
