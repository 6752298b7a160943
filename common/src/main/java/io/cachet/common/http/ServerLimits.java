package io.cachet.common.http;

import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * How long a client may take and how much of a server one client address may hold: the settings
 * every Cachet server applies through {@link ServerLimitsGuard}. A bad setting fails here, at
 * construction, with a message naming it.
 *
 * <p>The defaults suit a devnet where every part talks to every other over loopback from one
 * address (the gateway to each node with a pool of 16, a benchmark with 64 connections to a key
 * server), and are far below what exhausts a process's file descriptors.
 *
 * @param idleTimeout a connection on which nothing is read or written for this long is closed;
 *     longer than the longest long poll (the ledger's 30 s) so a waiting answer is not cut
 * @param headTimeout a request head must be complete this long after the connection opened or
 *     the previous answer ended; else the connection is closed without an answer
 * @param bodyTimeout a request body must be complete this long after its head, plus the credit
 *     {@code minBodyBytesPerSecond} earns; else {@code 408 REQUEST_TIMEOUT} and the connection closes
 * @param minBodyBytesPerSecond each body byte received extends the body deadline by {@code 1 /
 *     minBodyBytesPerSecond} s, so a large upload at a fair rate is never cut; 0 gives no credit
 * @param maxConnectionsPerAddress open connections one remote address may hold; more are closed
 *     at once, without an answer
 * @param maxInFlightPerAddress requests of one remote address being served at once; more are
 *     answered {@code 429 TOO_MANY_REQUESTS} with {@code Retry-After}
 */
public record ServerLimits(Duration idleTimeout, Duration headTimeout, Duration bodyTimeout,
    int minBodyBytesPerSecond, int maxConnectionsPerAddress, int maxInFlightPerAddress) {

  /** Nothing read or written for this long closes a connection; above the ledger's 30 s long poll. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  /** Time to send a complete request head, counted from the connection or the previous answer. */
  public static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(20);
  /** Time to send a whole body, before the credit its bytes earn. */
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  /** Slowest fair body rate (128 kbit/s): each byte at this rate extends the body deadline. */
  public static final int DEFAULT_MIN_BODY_BYTES_PER_SECOND = 16 * 1024;
  /** Connections one address may hold open; the devnet's busiest pair needs well under 100. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 512;
  /** Requests one address may have in flight; a key server takes 4096 in all by default. */
  public static final int DEFAULT_MAX_IN_FLIGHT_PER_ADDRESS = 256;
  /** Longest any of the three timeouts may be set to. */
  public static final Duration MAX_TIMEOUT = Duration.ofHours(1);

  public ServerLimits {
    idleTimeout = timeout(idleTimeout, "idle-timeout");
    headTimeout = timeout(headTimeout, "head-timeout");
    bodyTimeout = timeout(bodyTimeout, "body-timeout");
    if (minBodyBytesPerSecond < 0) {
      throw new IllegalArgumentException("min-body-rate must be at least 0, was " + minBodyBytesPerSecond);
    }
    if (maxConnectionsPerAddress < 1) {
      throw new IllegalArgumentException("max-connections-per-address must be at least 1, was "
          + maxConnectionsPerAddress);
    }
    if (maxInFlightPerAddress < 1) {
      throw new IllegalArgumentException("max-in-flight-per-address must be at least 1, was "
          + maxInFlightPerAddress);
    }
  }

  private static Duration timeout(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.toMillis() < 1 || d.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(name + " must be 1ms.." + MAX_TIMEOUT.toMinutes() + "m, was " + d);
    }
    return d;
  }

  /** Every default. */
  public static ServerLimits defaults() {
    return new ServerLimits(DEFAULT_IDLE_TIMEOUT, DEFAULT_HEAD_TIMEOUT, DEFAULT_BODY_TIMEOUT,
        DEFAULT_MIN_BODY_BYTES_PER_SECOND, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_MAX_IN_FLIGHT_PER_ADDRESS);
  }

  public ServerLimits withTimeouts(Duration idle, Duration head, Duration body) {
    return new ServerLimits(idle, head, body, minBodyBytesPerSecond, maxConnectionsPerAddress,
        maxInFlightPerAddress);
  }

  public ServerLimits withMinBodyRate(int bytesPerSecond) {
    return new ServerLimits(idleTimeout, headTimeout, bodyTimeout, bytesPerSecond, maxConnectionsPerAddress,
        maxInFlightPerAddress);
  }

  public ServerLimits withPerAddress(int maxConnections, int maxInFlight) {
    return new ServerLimits(idleTimeout, headTimeout, bodyTimeout, minBodyBytesPerSecond, maxConnections,
        maxInFlight);
  }

  /**
   * Sets the idle timeout on {@code options} and turns off cleartext HTTP/2: the guard's head
   * deadline needs the connection handed over on accept, which h2c's protocol sniffing delays until
   * the client's first bytes. Every Cachet client speaks HTTP/1.1.
   */
  public HttpServerOptions apply(HttpServerOptions options) {
    return options.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, idleTimeout.toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setHttp2ClearTextEnabled(false);
  }
}
