package io.cachet.policy.evm;

import io.cachet.policy.Follower;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link EvmPolicyLedger} reaches its chain and decides on it.
 *
 * @param rpcUrl the JSON-RPC endpoint (http or https)
 * @param secondRpcUrl a second endpoint that must agree on the confirmed block's hash, or null
 * @param chainId the chain the endpoints must report (eth_chainId), checked at start
 * @param confirmations how many blocks below the head decisions are taken at
 * @param pollInterval how often the head is read
 * @param clock this node's clock: appliedAt, lastContact and the validUntil rule
 * @param gasCap the gas one canRead eth_call may use
 * @param rpcTimeout how long one JSON-RPC call may take
 * @param cacheSize how many canRead answers are kept
 * @param clockTolerance how far past this node's clock a confirmed block may be stamped and still be
 *     taken at once (0 to {@link Follower#MAX_CLOCK_TOLERANCE}); a block stamped later is held
 */
public record EvmLedgerConfig(URI rpcUrl, URI secondRpcUrl, long chainId, long confirmations, Duration pollInterval,
    Clock clock, long gasCap, Duration rpcTimeout, int cacheSize, Duration clockTolerance) {
  /**
   * Gas one canRead call may use: above the stock composites' worst case (64 policies asked at up
   * to 150k gas each, about 9.6M: docs/CONTRACTS.md), within geth's default eth_call cap (50M), so a
   * deep composite is never denied for gas while a looping contract still ends.
   */
  public static final long DEFAULT_GAS_CAP = 15_000_000;
  /** How long one JSON-RPC call may take before the chain counts as not answering. */
  public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(5);
  /**
   * How often the head is read: a revocation must reach every key server within 2 s plus the
   * confirmations' blocks, and a 1 s poll alone could take all of that (docs/PERFORMANCE.md, "EVM
   * policies"); two light calls four times a second are nothing to an RPC.
   */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);
  /** canRead answers kept: about 200 bytes each. */
  public static final int DEFAULT_CACHE_SIZE = 100_000;
  /** Most confirmations accepted: deeper than any public chain's finality needs. */
  public static final long MAX_CONFIRMATIONS = 10_000;

  public EvmLedgerConfig {
    checkUrl(rpcUrl, "rpc url");
    if (secondRpcUrl != null) {
      checkUrl(secondRpcUrl, "second rpc url");
    }
    if (chainId <= 0) {
      throw new IllegalArgumentException("chain id must be positive, was " + chainId);
    }
    if (confirmations < 0 || confirmations > MAX_CONFIRMATIONS) {
      throw new IllegalArgumentException("confirmations must be 0.." + MAX_CONFIRMATIONS + ", was " + confirmations);
    }
    positive(pollInterval, "poll interval");
    Objects.requireNonNull(clock, "clock");
    if (gasCap < 21_000) {
      throw new IllegalArgumentException("the eth_call gas cap must be at least 21000, was " + gasCap);
    }
    positive(rpcTimeout, "rpc timeout");
    if (cacheSize < 1) {
      throw new IllegalArgumentException("the decision cache must hold at least one answer");
    }
    Objects.requireNonNull(clockTolerance, "clock tolerance");
    if (clockTolerance.isNegative() || clockTolerance.compareTo(Follower.MAX_CLOCK_TOLERANCE) > 0) {
      throw new IllegalArgumentException("clock tolerance must be 0 to " + Follower.MAX_CLOCK_TOLERANCE.toSeconds()
          + " s, was " + clockTolerance.toMillis() + " ms");
    }
  }

  /** A config with the defaults for everything but the endpoint, chain and confirmations. */
  public static EvmLedgerConfig of(URI rpcUrl, long chainId, long confirmations, Clock clock) {
    return new EvmLedgerConfig(rpcUrl, null, chainId, confirmations, DEFAULT_POLL_INTERVAL, clock, DEFAULT_GAS_CAP,
        DEFAULT_RPC_TIMEOUT, DEFAULT_CACHE_SIZE, Follower.DEFAULT_CLOCK_TOLERANCE);
  }

  public EvmLedgerConfig withSecondRpc(URI url) {
    return new EvmLedgerConfig(rpcUrl, url, chainId, confirmations, pollInterval, clock, gasCap, rpcTimeout,
        cacheSize, clockTolerance);
  }

  public EvmLedgerConfig withPollInterval(Duration d) {
    return new EvmLedgerConfig(rpcUrl, secondRpcUrl, chainId, confirmations, d, clock, gasCap, rpcTimeout, cacheSize,
        clockTolerance);
  }

  public EvmLedgerConfig withClockTolerance(Duration d) {
    return new EvmLedgerConfig(rpcUrl, secondRpcUrl, chainId, confirmations, pollInterval, clock, gasCap, rpcTimeout,
        cacheSize, d);
  }

  private static void checkUrl(URI url, String what) {
    Objects.requireNonNull(url, what);
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
      // the URL itself is not echoed: a provider's key may be in it
      throw new IllegalArgumentException(what + " must be an http:// or https:// URL with a host, was "
          + (url.getScheme() == null ? "a URL without a scheme" : "a " + url.getScheme() + ": URL"));
    }
  }

  private static void positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive");
    }
  }
}
