package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.SmallDisk;
import java.time.Duration;
import java.util.Locale;

/**
 * How hard and how long a soak runs. {@link #SHORT} is the CI run (about a minute of load and
 * faults on a 2-core machine, small puts); {@link #LONG} the report run (the whole size range).
 *
 * @param name {@code short} or {@code long}
 * @param load how long the clients and faults run
 * @param clients client threads, each an owner with its own policies and a reader
 * @param maxPut the largest ordinary put; sizes are log-uniform from {@link #MIN_PUT}
 * @param largePuts how many puts of {@code largePut} the run makes (at most), beyond {@code maxPut}
 * @param largePut the size of those
 * @param faultGap the pause between fault rounds, a random part of it added
 * @param faultHold how long a fault is held, a random part of it added
 * @param beyondShare the share of rounds that go beyond tolerance (at least one per run)
 * @param heap each part's -Xmx
 * @param smallDisk the size of the small disk one node keeps its data on
 * @param diskKind how the small disk is made: a tmpfs (memory) for a short run, an ext4 image for a long one,
 *     whose filling would otherwise take gigabytes of memory
 * @param memorySample how often every part's resident memory is read
 * @param quickStart whether parts run with the client compiler only ({@code -XX:TieredStopAtLevel=1}): nine
 *     JVMs start in half the time on two cores, at some cost in throughput, which a short run does not need
 * @param everyKind whether {@code load} is only the least the load lasts: the load and the rounds go on until
 *     every fault kind has been injected and a round has gone beyond tolerance, then stop at once
 */
public record SoakProfile(String name, Duration load, int clients, long maxPut, int largePuts, long largePut,
    Duration faultGap, Duration faultHold, double beyondShare, String heap, long smallDisk, SmallDisk.Kind diskKind,
    Duration memorySample, boolean quickStart, boolean everyKind) {
  /** The smallest put. */
  public static final long MIN_PUT = 1024;

  /**
   * The CI run: every fault kind once and one round beyond tolerance, held briefly one after the
   * other (at least 20 s of load, about 45 s on two cores), small puts and one of 6 MiB.
   */
  public static final SoakProfile SHORT = new SoakProfile("short", Duration.ofSeconds(20), 3, 2L << 20, 1, 6L << 20,
      Duration.ofMillis(500), Duration.ofSeconds(1), 0, "256m", 256L << 20, SmallDisk.Kind.TMPFS,
      Duration.ofSeconds(2), true, true);

  /** The report run: the whole range up to 64 MiB, longer holds. */
  public static final SoakProfile LONG = new SoakProfile("long", Duration.ofMinutes(12), 4, 64L << 20, 0, 0,
      Duration.ofSeconds(5), Duration.ofSeconds(8), 0.15, "384m", 2L << 30, SmallDisk.Kind.LOOP,
      Duration.ofSeconds(5), false, false);

  public SoakProfile {
    if (clients < 1 || maxPut < MIN_PUT || beyondShare < 0 || beyondShare > 1) {
      throw new IllegalArgumentException("a profile needs a client, puts of at least " + MIN_PUT
          + " bytes and a share of rounds beyond tolerance in 0..1");
    }
  }

  /** The profile called {@code name}. */
  public static SoakProfile named(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "short" -> SHORT;
      case "long" -> LONG;
      default -> throw new IllegalArgumentException("a profile is 'short' or 'long', not '" + name + "'");
    };
  }

  /** This profile with load lasting {@code minutes}. */
  public SoakProfile withLoad(Duration length) {
    return new SoakProfile(name, length, clients, maxPut, largePuts, largePut, faultGap, faultHold, beyondShare,
        heap, smallDisk, diskKind, memorySample, quickStart, everyKind);
  }
}
