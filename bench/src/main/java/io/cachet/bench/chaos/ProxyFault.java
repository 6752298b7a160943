package io.cachet.bench.chaos;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link FaultProxy} does to the bytes it carries. An immutable value: switching faults
 * replaces the proxy's current value, and every connection reads it again for each chunk.
 *
 * @param kind what happens to a chunk
 * @param base for {@link Kind#DELAY}, the least time a chunk is held; zero otherwise
 * @param jitter for {@link Kind#DELAY}, the most time added at random to {@code base}; zero otherwise
 */
public record ProxyFault(Kind kind, Duration base, Duration jitter) {
  /** What the proxy does with a chunk it has read. */
  public enum Kind {
    /** Forward it at once. */
    PASS,
    /** Forward it after {@code base} plus up to {@code jitter}; order is kept. */
    DELAY,
    /** Read and discard it; never forward, never close (a black hole). */
    DROP,
    /** Abort the connection with a TCP RST; new connections are aborted as soon as accepted. */
    RESET
  }

  /** Forwarding untouched. */
  public static final ProxyFault PASS = new ProxyFault(Kind.PASS, Duration.ZERO, Duration.ZERO);
  /** A black hole. */
  public static final ProxyFault DROP = new ProxyFault(Kind.DROP, Duration.ZERO, Duration.ZERO);
  /** Every connection reset. */
  public static final ProxyFault RESET = new ProxyFault(Kind.RESET, Duration.ZERO, Duration.ZERO);

  public ProxyFault {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(jitter, "jitter");
    if (base.isNegative() || jitter.isNegative()) {
      throw new IllegalArgumentException("a delay and its jitter are not negative, got " + base + " and " + jitter);
    }
    if (kind != Kind.DELAY && (!base.isZero() || !jitter.isZero())) {
      throw new IllegalArgumentException("only a delay has a base and a jitter, got " + kind);
    }
  }

  /** Every chunk held {@code base} plus a uniform random part of {@code jitter}. */
  public static ProxyFault delay(Duration base, Duration jitter) {
    return new ProxyFault(Kind.DELAY, base, jitter);
  }
}
