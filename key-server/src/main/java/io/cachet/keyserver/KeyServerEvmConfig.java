package io.cachet.keyserver;

import io.cachet.common.config.ConfigException;
import io.cachet.common.config.ConfigText;
import io.cachet.common.config.Settings;
import io.cachet.policy.evm.EvmLedgerConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The part of a key server's config for a chain = evm server: where its chain's RPC is and how
 * deep it decides. Keys: {@code evm-rpc-url} (required), {@code evm-chain-id} (required; the
 * server refuses to start if the RPC reports another), {@code evm-confirmations} (default 0),
 * {@code evm-poll-interval} (default 1s), {@code evm-rpc-url-2} (optional second RPC that must
 * agree on the confirmed block's hash and on every canRead answer), {@code evm-block-time}
 * (default 12s: the chain's expected block interval, used only to check that
 * {@code staleness-bound} leaves room for the confirmations).
 *
 * @param rpcUrl the chain's JSON-RPC endpoint
 * @param secondRpcUrl a second endpoint that must agree with the first, or null
 * @param chainId the EIP-155 chain id the endpoints must report
 * @param confirmations how many blocks below the head decisions are taken at
 * @param pollInterval how often the head is read
 * @param blockTime the chain's expected block interval (only for the staleness check)
 */
public record KeyServerEvmConfig(URI rpcUrl, URI secondRpcUrl, long chainId, long confirmations,
    Duration pollInterval, Duration blockTime) {
  /** The value of {@code chain} for an EVM chain. */
  public static final String CHAIN_EVM = "evm";
  /** The value of {@code chain} for the embedded ledger (the default). */
  public static final String CHAIN_EMBEDDED = "embedded";
  /** The EVM keys, in the order {@link #render} writes them. */
  static final List<String> KEYS = List.of("evm-rpc-url", "evm-rpc-url-2", "evm-chain-id", "evm-confirmations",
      "evm-poll-interval", "evm-block-time");
  /** The embedded ledger's keys, which a chain = evm config refuses rather than ignores. */
  static final List<String> EMBEDDED_ONLY = List.of("ledger-url", "ledger-id", "sequencer-key", "genesis-digest",
      "ledger-poll-wait");
  /** Default expected block interval: Ethereum mainnet's 12 s slot. */
  public static final Duration DEFAULT_BLOCK_TIME = Duration.ofSeconds(12);
  /** Longest expected block interval accepted. */
  public static final Duration MAX_BLOCK_TIME = Duration.ofHours(1);
  /** Longest poll interval: a slower follower would make releases wait longer than a ledger wait allows. */
  public static final Duration MAX_POLL_INTERVAL = Duration.ofSeconds(30);

  public KeyServerEvmConfig {
    Objects.requireNonNull(rpcUrl, "evm-rpc-url");
    Objects.requireNonNull(pollInterval, "evm-poll-interval");
    if (pollInterval.isNegative() || pollInterval.isZero() || pollInterval.compareTo(MAX_POLL_INTERVAL) > 0) {
      throw new ConfigException("evm-poll-interval must be positive and at most 30s");
    }
    Objects.requireNonNull(blockTime, "evm-block-time");
    if (blockTime.isNegative() || blockTime.isZero() || blockTime.compareTo(MAX_BLOCK_TIME) > 0) {
      throw new ConfigException("evm-block-time must be positive and at most 1h");
    }
    try {
      // the one place the EVM ledger's own rules (URLs, chain id, confirmations) are checked
      ledgerConfig(rpcUrl, secondRpcUrl, chainId, confirmations, pollInterval, Clock.systemUTC());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage().replace("second rpc url", "evm-rpc-url-2")
          .replace("rpc url", "evm-rpc-url").replace("chain id", "evm-chain-id")
          .replace("confirmations", "evm-confirmations"), e);
    }
  }

  /** An EVM config with the {@link #DEFAULT_BLOCK_TIME}. */
  public KeyServerEvmConfig(URI rpcUrl, URI secondRpcUrl, long chainId, long confirmations, Duration pollInterval) {
    this(rpcUrl, secondRpcUrl, chainId, confirmations, pollInterval, DEFAULT_BLOCK_TIME);
  }

  /** An EVM config with the defaults for confirmations (0), poll interval (1s) and no second RPC. */
  public static KeyServerEvmConfig of(URI rpcUrl, long chainId) {
    return new KeyServerEvmConfig(rpcUrl, null, chainId, 0, EvmLedgerConfig.DEFAULT_POLL_INTERVAL);
  }

  /**
   * The longest a confirmed block is expected to be old when it is taken: confirmations blocks at
   * the expected block time, plus one poll interval. A staleness bound at or below it would
   * refuse every release.
   */
  Duration expectedConfirmedAge() {
    return blockTime.multipliedBy(confirmations).plus(pollInterval);
  }

  /**
   * What the EVM ledger starts with.
   *
   * @param clockTolerance how far past {@code clock} a block may be stamped and still be taken
   */
  public EvmLedgerConfig ledgerConfig(Clock clock, Duration clockTolerance) {
    return ledgerConfig(rpcUrl, secondRpcUrl, chainId, confirmations, pollInterval, clock)
        .withClockTolerance(clockTolerance);
  }

  private static EvmLedgerConfig ledgerConfig(URI rpcUrl, URI secondRpcUrl, long chainId, long confirmations,
      Duration pollInterval, Clock clock) {
    return new EvmLedgerConfig(rpcUrl, secondRpcUrl, chainId, confirmations, pollInterval, clock,
        EvmLedgerConfig.DEFAULT_GAS_CAP, EvmLedgerConfig.DEFAULT_RPC_TIMEOUT, EvmLedgerConfig.DEFAULT_CACHE_SIZE,
        KeyServerConfig.DEFAULT_LEDGER_CLOCK_TOLERANCE);
  }

  /**
   * Reads the EVM keys of a {@code chain = evm} config; {@link KeyServerConfigReader} has checked
   * the chain, that the embedded ledger's keys are absent and that the required keys are set.
   */
  static KeyServerEvmConfig fromSettings(Settings s) {
    String second = s.string("evm-rpc-url-2", "");
    return new KeyServerEvmConfig(url(s, "evm-rpc-url"),
        second.isEmpty() ? null : url(s, "evm-rpc-url-2"),
        number(s, "evm-chain-id"),
        s.has("evm-confirmations") ? number(s, "evm-confirmations") : 0,
        s.duration("evm-poll-interval", EvmLedgerConfig.DEFAULT_POLL_INTERVAL),
        s.duration("evm-block-time", DEFAULT_BLOCK_TIME));
  }

  /** Appends this part's keys as {@code key = value} lines. */
  void render(List<String> lines) {
    lines.add("chain = " + CHAIN_EVM);
    lines.add("evm-rpc-url = " + rpcUrl);
    if (secondRpcUrl != null) {
      lines.add("evm-rpc-url-2 = " + secondRpcUrl);
    }
    lines.add("evm-chain-id = " + chainId);
    lines.add("evm-confirmations = " + confirmations);
    lines.add("evm-poll-interval = " + ConfigText.duration(pollInterval));
    lines.add("evm-block-time = " + ConfigText.duration(blockTime));
  }

  private static URI url(Settings s, String key) {
    try {
      return new URI(s.string(key, ""));
    } catch (URISyntaxException e) {
      // the URL itself is not echoed: a provider's key may be in it
      throw new ConfigException(key + " (from " + s.origin(key) + ") is not a URL: " + e.getReason(), e);
    }
  }

  private static long number(Settings s, String key) {
    if (!s.string(key, "").matches("[0-9]{1,18}")) {
      throw s.invalid(key, "must be a non-negative integer");
    }
    return Long.parseLong(s.string(key, ""));
  }
}
