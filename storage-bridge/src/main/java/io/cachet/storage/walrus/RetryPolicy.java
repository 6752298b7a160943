package io.cachet.storage.walrus;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When {@link WalrusBlobStore} tries again. A failed attempt that may succeed later (429, 503,
 * 504, no answer at all) waits {@code initialBackoff x 2^(retry - 1)}, at most {@code maxBackoff},
 * shortened at random by up to {@code jitter} of itself so that many clients do not retry in step;
 * a {@code Retry-After} the server sent replaces that wait, capped at {@code maxRetryAfter}. The
 * first attempt counts: {@code maxAttempts = 1} never retries.
 *
 * <p>A 404 for a blob this store uploaded less than {@code notFoundWindow} ago is retried too, up
 * to {@code notFoundAttempts} attempts in all: an aggregator or the CDN in front of it may still
 * serve a 404 it cached before the upload was certified. Any other 404 fails at once.
 *
 * @param maxAttempts attempts in all for a retryable failure, at least 1
 * @param initialBackoff wait before the first retry, positive or zero
 * @param maxBackoff longest computed wait, at least {@code initialBackoff}
 * @param jitter fraction in [0, 1] by which a wait may be shortened at random
 * @param maxRetryAfter longest wait a server's {@code Retry-After} can impose
 * @param notFoundWindow how long after an upload a 404 read is taken for a stale cache
 * @param notFoundAttempts attempts in all for such a 404, at least 1
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double jitter,
    Duration maxRetryAfter, Duration notFoundWindow, int notFoundAttempts) {

  /** Five attempts ride out a publisher's usual 429 burst or a short restart without stalling a caller. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;
  /** Short enough that a single dropped connection costs little. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(250);
  /** The doubling stops here: 250 ms, 500 ms, 1 s, 2 s, 4 s, 8 s, 8 s... */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(8);
  /** Up to a fifth of each wait is dropped at random. */
  public static final double DEFAULT_JITTER = 0.2;
  /** A server asking for longer than this is asking for more than a blocking caller should wait. */
  public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(30);
  /** Aggregators cache a 404 for seconds to a minute; two minutes covers that with margin. */
  public static final Duration DEFAULT_NOT_FOUND_WINDOW = Duration.ofMinutes(2);
  /** "A few times": the first read and three more. */
  public static final int DEFAULT_NOT_FOUND_ATTEMPTS = 4;

  public RetryPolicy {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
    Objects.requireNonNull(notFoundWindow, "notFoundWindow");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
    }
    if (notFoundAttempts < 1) {
      throw new IllegalArgumentException("notFoundAttempts must be at least 1, not " + notFoundAttempts);
    }
    if (initialBackoff.isNegative()) {
      throw new IllegalArgumentException("initialBackoff must not be negative");
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("jitter must be in [0, 1], not " + jitter);
    }
    if (maxRetryAfter.isNegative()) {
      throw new IllegalArgumentException("maxRetryAfter must not be negative");
    }
    if (notFoundWindow.isNegative()) {
      throw new IllegalArgumentException("notFoundWindow must not be negative");
    }
  }

  /** The defaults above. */
  public static RetryPolicy defaults() {
    return builder().build();
  }

  /** One attempt, never a retry. */
  public static RetryPolicy none() {
    return builder().maxAttempts(1).notFoundAttempts(1).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .maxAttempts(maxAttempts)
        .initialBackoff(initialBackoff)
        .maxBackoff(maxBackoff)
        .jitter(jitter)
        .maxRetryAfter(maxRetryAfter)
        .notFoundWindow(notFoundWindow)
        .notFoundAttempts(notFoundAttempts);
  }

  /** The computed wait after failed attempt {@code attempt} (1 for the first), jitter included. */
  public Duration backoff(int attempt) {
    long initial = initialBackoff.toNanos();
    long max = maxBackoff.toNanos();
    int doublings = Math.min(Math.max(attempt - 1, 0), 62);
    long nanos = initial > (max >> doublings) ? max : Math.min(max, initial << doublings);
    if (jitter > 0 && nanos > 0) {
      nanos -= (long) (nanos * jitter * ThreadLocalRandom.current().nextDouble());
    }
    return Duration.ofNanos(nanos);
  }

  /** The wait a server's Retry-After asks for, capped. */
  Duration retryAfter(Duration asked) {
    if (asked.isNegative()) {
      return Duration.ZERO;
    }
    return asked.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : asked;
  }

  /** Collects settings; unset ones keep their defaults; {@link #build} checks them. */
  public static final class Builder {
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private double jitter = DEFAULT_JITTER;
    private Duration maxRetryAfter = DEFAULT_MAX_RETRY_AFTER;
    private Duration notFoundWindow = DEFAULT_NOT_FOUND_WINDOW;
    private int notFoundAttempts = DEFAULT_NOT_FOUND_ATTEMPTS;

    private Builder() {}

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
      return this;
    }

    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    public Builder jitter(double jitter) {
      this.jitter = jitter;
      return this;
    }

    public Builder maxRetryAfter(Duration maxRetryAfter) {
      this.maxRetryAfter = maxRetryAfter;
      return this;
    }

    public Builder notFoundWindow(Duration notFoundWindow) {
      this.notFoundWindow = notFoundWindow;
      return this;
    }

    public Builder notFoundAttempts(int notFoundAttempts) {
      this.notFoundAttempts = notFoundAttempts;
      return this;
    }

    public RetryPolicy build() {
      return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, jitter, maxRetryAfter, notFoundWindow,
          notFoundAttempts);
    }
  }
}
