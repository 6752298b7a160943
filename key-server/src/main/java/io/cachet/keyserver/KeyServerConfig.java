package io.cachet.keyserver;

import static io.cachet.common.config.ConfigText.duration;

import io.cachet.common.config.ConfigException;
import io.cachet.common.config.ConfigText;
import io.cachet.common.config.Settings;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.ServerLimits;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Names;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.Json;
import io.cachet.policy.Follower;
import io.cachet.policy.LedgerRef;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a key server is started with. One source of truth for names, defaults and limits,
 * read through the one configuration format of every part ({@link Settings}): a file of
 * {@code key = value} lines, then {@code CACHET_KEYSERVER_<KEY>} environment variables, then
 * {@code --set key=value} flags, a later layer winning. A bad value fails at {@link #load} or
 * {@link #parse} with a message naming the key and where its value came from.
 *
 * <p>Durations are written {@code 500ms}, {@code 30s}, {@code 2m} or {@code 1h} ({@code clock-offset}
 * alone may be negative); sizes as bytes or with {@code KiB}/{@code MiB}; rates as decimal numbers
 * per second, {@code 0} meaning no limit. {@link #render} writes every key back so that it loads
 * to an equal config.
 *
 * <p>The passphrase that protects the keys is never part of the config: the config names the
 * environment variable ({@code passphrase-env}) or the file ({@code passphrase-file}) it comes
 * from.
 */
public record KeyServerConfig(
    String serverId,
    String host,
    int port,
    Path dataDir,
    String ledgerUrl,
    String ledgerId,
    VerifyingKey sequencerKey,
    Duration stalenessBound,
    Duration requestWindow,
    Duration ledgerPollWait,
    Duration ledgerClockTolerance,
    double ipRate,
    int ipBurst,
    double requesterRate,
    int requesterBurst,
    int maxBodyBytes,
    int maxInFlight,
    int replayCacheSize,
    int workerThreads,
    String passphraseEnv,
    Path passphraseFile,
    int kdfMemoryKiB,
    int kdfIterations,
    AuditFsync auditFsync,
    Duration auditFsyncInterval,
    Duration auditCommitDelay,
    String genesisDigest,
    Duration ledgerWait,
    Duration requestDeadline,
    ServerLimits limits,
    KeyServerEvmConfig evm,
    Duration clockOffset,
    CorsPolicy cors) {

  /** When the audit log is forced to disk. */
  public enum AuditFsync {
    /** Before a response leaves: records of concurrent requests share one fsync (group commit). */
    COMMIT,
    /** Every {@code audit-fsync-interval}: a crash may lose the entries of that last interval. */
    PERIODIC
  }

  // ---------------------------------------------------------------- defaults and limits

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 7400;
  /** The design's default: a view of the ledger older than this refuses everything. */
  public static final Duration DEFAULT_STALENESS_BOUND = Duration.ofMinutes(2);
  /** How far a request's timestamp may be from the server's clock, either way. */
  public static final Duration DEFAULT_REQUEST_WINDOW = Duration.ofMinutes(1);
  /** How long one follower long poll waits at the ledger. */
  public static final Duration DEFAULT_LEDGER_POLL_WAIT = Duration.ofSeconds(10);
  /** How far ahead of this server's clock a block may be stamped and still be applied at once. */
  public static final Duration DEFAULT_LEDGER_CLOCK_TOLERANCE = Follower.DEFAULT_CLOCK_TOLERANCE;
  /** Requests per second per client IP address, and the burst above it. */
  public static final double DEFAULT_IP_RATE = 200;
  public static final int DEFAULT_IP_BURST = 400;
  /** Items (share releases asked for) per second per requester address, and the burst. */
  public static final double DEFAULT_REQUESTER_RATE = 500;
  public static final int DEFAULT_REQUESTER_BURST = 1000;
  /** Largest request body: a full batch of 100 items is about 60 KiB of JSON. */
  public static final int DEFAULT_MAX_BODY_BYTES = 256 * 1024;
  /** Largest request body that may be configured: the protocol parser's own bound. */
  public static final int MAX_BODY_LIMIT = Json.MAX_DOCUMENT_BYTES;
  /** Requests being decided at once; more are refused with 503 and Retry-After. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 4096;
  /** Request ids remembered; must cover the request rate times twice the request window. */
  public static final int DEFAULT_REPLAY_CACHE_SIZE = 2_000_000;
  public static final String DEFAULT_PASSPHRASE_ENV = "CACHET_KEY_SERVER_PASSPHRASE";
  /** Argon2id settings for the key-encryption key: 64 MiB, 3 passes (as the identity keystore). */
  public static final int DEFAULT_KDF_MEMORY_KIB = 64 * 1024;
  public static final int DEFAULT_KDF_ITERATIONS = 3;
  public static final Duration DEFAULT_AUDIT_FSYNC_INTERVAL = Duration.ofSeconds(1);
  /**
   * How long a group commit waits for decisions under way before forcing the audit log. Under load
   * it turns a force per request into one per group; with nothing under way nobody waits.
   */
  public static final Duration DEFAULT_AUDIT_COMMIT_DELAY = Duration.ofMillis(2);
  /** Longest commit delay: every answer under load may wait this long for its audit records. */
  public static final Duration MAX_AUDIT_COMMIT_DELAY = Duration.ofMillis(100);
  /** How long a fetch waits for the follower to reach the ledger height it signed, before LEDGER_BEHIND. */
  public static final Duration DEFAULT_LEDGER_WAIT = Duration.ofSeconds(2);
  /** Longest ledger wait: a wait holds an in-flight slot, and a requester's own timeout is near this. */
  public static final Duration MAX_LEDGER_WAIT = Duration.ofSeconds(10);
  /**
   * How long a fetch whose body has arrived may wait for a crypto worker before it is dropped unread
   * ({@code 503 DEADLINE_EXCEEDED}): past it the requester has most likely given up, and the work is wasted.
   */
  public static final Duration DEFAULT_REQUEST_DEADLINE = Duration.ofSeconds(2);
  /** Longest request deadline: a request queued longer is one its requester has long stopped waiting for. */
  public static final Duration MAX_REQUEST_DEADLINE = Duration.ofMinutes(1);
  /** Largest clock offset either way: a drill that needs more is testing something other than clock skew. */
  public static final Duration MAX_CLOCK_OFFSET = Duration.ofDays(30);
  /** Longest request window: a session certificate cannot outlive 30 minutes either. */
  public static final Duration MAX_REQUEST_WINDOW = Duration.ofMinutes(30);

  public KeyServerConfig {
    Names.check(serverId, "server-id");
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new ConfigException("host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException("port must be 0..65535, was " + port);
    }
    Objects.requireNonNull(dataDir, "data-dir");
    if (evm == null) {
      Objects.requireNonNull(ledgerUrl, "ledger-url");
      if (!ledgerUrl.startsWith("http://") && !ledgerUrl.startsWith("https://")) {
        // the URL itself is not echoed: a provider's key may be in it
        throw new ConfigException("ledger-url must be an http:// or https:// URL");
      }
      ledgerUrl = ledgerUrl.endsWith("/") ? ledgerUrl.substring(0, ledgerUrl.length() - 1) : ledgerUrl;
      Names.check(ledgerId, "ledger-id");
      Objects.requireNonNull(sequencerKey, "sequencer-key");
    } else if (ledgerUrl != null || ledgerId != null || sequencerKey != null || genesisDigest != null) {
      throw new ConfigException("ledger-url, ledger-id, sequencer-key and genesis-digest are for the embedded"
          + " ledger; with chain = evm they are not used");
    }
    positive(stalenessBound, "staleness-bound");
    positive(requestWindow, "request-window");
    if (requestWindow.compareTo(MAX_REQUEST_WINDOW) > 0) {
      throw new ConfigException("request-window must be at most " + MAX_REQUEST_WINDOW.toMinutes() + "m");
    }
    positive(ledgerPollWait, "ledger-poll-wait");
    if (ledgerPollWait.toMillis() > 30_000) {
      throw new ConfigException("ledger-poll-wait must be at most 30s (the ledger's own limit)");
    }
    Objects.requireNonNull(ledgerClockTolerance, "ledger-clock-tolerance");
    if (ledgerClockTolerance.isNegative() || ledgerClockTolerance.compareTo(Follower.MAX_CLOCK_TOLERANCE) > 0) {
      throw new ConfigException("ledger-clock-tolerance must be 0ms to "
          + duration(Follower.MAX_CLOCK_TOLERANCE) + ", was " + duration(ledgerClockTolerance));
    }
    if (evm != null && stalenessBound.compareTo(evm.expectedConfirmedAge()) <= 0) {
      throw new ConfigException("staleness-bound " + duration(stalenessBound) + " is not above evm-confirmations"
          + " x evm-block-time + evm-poll-interval (" + duration(evm.expectedConfirmedAge()) + "): every"
          + " release would be refused as stale; raise staleness-bound or lower evm-confirmations");
    }
    rate(ipRate, "rate-limit-ip");
    rate(requesterRate, "rate-limit-requester");
    atLeast(ipBurst, 1, "rate-burst-ip");
    atLeast(requesterBurst, 1, "rate-burst-requester");
    if (maxBodyBytes < 1024 || maxBodyBytes > MAX_BODY_LIMIT) {
      throw new ConfigException("max-body must be 1KiB.." + MAX_BODY_LIMIT / 1024 + "KiB, was " + maxBodyBytes);
    }
    atLeast(maxInFlight, 1, "max-in-flight");
    atLeast(replayCacheSize, 1000, "replay-cache-size");
    if (workerThreads < 1 || workerThreads > 256) {
      throw new ConfigException("worker-threads must be 1..256, was " + workerThreads);
    }
    Objects.requireNonNull(passphraseEnv, "passphrase-env");
    if (!passphraseEnv.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
      throw new ConfigException("passphrase-env must be an environment variable name, was " + passphraseEnv);
    }
    if (kdfMemoryKiB < 8 || kdfMemoryKiB > 1 << 20) {
      throw new ConfigException("kdf-memory must be 8KiB..1GiB in KiB, was " + kdfMemoryKiB);
    }
    if (kdfIterations < 1 || kdfIterations > 64) {
      throw new ConfigException("kdf-iterations must be 1..64, was " + kdfIterations);
    }
    Objects.requireNonNull(auditFsync, "audit-fsync");
    positive(auditFsyncInterval, "audit-fsync-interval");
    Objects.requireNonNull(auditCommitDelay, "audit-commit-delay");
    if (auditCommitDelay.isNegative() || auditCommitDelay.compareTo(MAX_AUDIT_COMMIT_DELAY) > 0) {
      throw new ConfigException("audit-commit-delay must be 0..100ms, was " + duration(auditCommitDelay));
    }
    Objects.requireNonNull(limits, "limits");
    positive(ledgerWait, "ledger-wait");
    if (ledgerWait.compareTo(MAX_LEDGER_WAIT) > 0) {
      throw new ConfigException("ledger-wait must be at most " + MAX_LEDGER_WAIT.toSeconds() + "s");
    }
    positive(requestDeadline, "request-deadline");
    if (requestDeadline.compareTo(MAX_REQUEST_DEADLINE) > 0) {
      throw new ConfigException("request-deadline must be at most " + duration(MAX_REQUEST_DEADLINE) + ", was "
          + duration(requestDeadline));
    }
    Objects.requireNonNull(cors, "cors-origins");
    Objects.requireNonNull(clockOffset, "clock-offset");
    if (clockOffset.abs().compareTo(MAX_CLOCK_OFFSET) > 0) {
      throw new ConfigException("clock-offset must be within -" + duration(MAX_CLOCK_OFFSET) + ".."
          + duration(MAX_CLOCK_OFFSET) + ", was " + duration(clockOffset));
    }
    if (genesisDigest != null) {
      try {
        LedgerRef.parseGenesisDigest(genesisDigest, "genesis-digest");
      } catch (FormatException e) {
        throw new ConfigException(e.getMessage() + " (the ledger's genesis digest, as GET /v1/head shows it)", e);
      }
    }
  }

  /** The pinned genesis digest as bytes, or null if the config pins none (then the sequencer's genesis is taken). */
  public byte[] genesisDigestBytes() {
    try {
      return genesisDigest == null ? null : LedgerRef.parseGenesisDigest(genesisDigest, "genesis-digest");
    } catch (FormatException e) {
      throw new IllegalStateException("checked when the config was made", e);
    }
  }

  private static void positive(Duration d, String key) {
    Objects.requireNonNull(d, key);
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(key + " must be positive");
    }
  }

  private static void rate(double r, String key) {
    if (!(r >= 0) || Double.isInfinite(r) || r > 1e9) {
      throw new ConfigException(key + " must be 0 (no limit) or a positive number per second, was " + r);
    }
  }

  private static void atLeast(int v, int min, String key) {
    if (v < min) {
      throw new ConfigException(key + " must be at least " + min + ", was " + v);
    }
  }

  /**
   * The worker pool unless configured: the cores (at least 2) for the embedded ledger, whose
   * decisions are CPU work; four times that (at least 8) on an EVM chain, where a decision that
   * misses the cache waits on a JSON-RPC round trip on its worker, so the waits must overlap to
   * keep the cores busy (docs/PERFORMANCE.md, "EVM policies": 0.74 of the embedded rate with 2
   * workers, 1.5 with 8).
   */
  static int defaultWorkers(boolean evm) {
    int cores = Math.max(2, Runtime.getRuntime().availableProcessors());
    return evm ? Math.min(256, Math.max(8, 4 * cores)) : cores;
  }

  /** A config with every default, for the given identity, data directory and ledger. */
  public static KeyServerConfig defaults(String serverId, Path dataDir, String ledgerUrl, String ledgerId,
      VerifyingKey sequencerKey) {
    return new KeyServerConfig(serverId, DEFAULT_HOST, DEFAULT_PORT, dataDir, ledgerUrl, ledgerId, sequencerKey,
        DEFAULT_STALENESS_BOUND, DEFAULT_REQUEST_WINDOW, DEFAULT_LEDGER_POLL_WAIT, DEFAULT_LEDGER_CLOCK_TOLERANCE,
        DEFAULT_IP_RATE,
        DEFAULT_IP_BURST, DEFAULT_REQUESTER_RATE, DEFAULT_REQUESTER_BURST, DEFAULT_MAX_BODY_BYTES,
        DEFAULT_MAX_IN_FLIGHT, DEFAULT_REPLAY_CACHE_SIZE, defaultWorkers(false),
        DEFAULT_PASSPHRASE_ENV, null, DEFAULT_KDF_MEMORY_KIB, DEFAULT_KDF_ITERATIONS, AuditFsync.COMMIT,
        DEFAULT_AUDIT_FSYNC_INTERVAL, DEFAULT_AUDIT_COMMIT_DELAY, null, DEFAULT_LEDGER_WAIT, DEFAULT_REQUEST_DEADLINE, ServerLimits.defaults(),
        null, Duration.ZERO, CorsPolicy.off());
  }

  /** A config with every default that decides on an EVM chain ({@code chain = evm}). */
  public static KeyServerConfig defaultsEvm(String serverId, Path dataDir, KeyServerEvmConfig evm) {
    return new KeyServerConfig(serverId, DEFAULT_HOST, DEFAULT_PORT, dataDir, null, null, null,
        DEFAULT_STALENESS_BOUND, DEFAULT_REQUEST_WINDOW, DEFAULT_LEDGER_POLL_WAIT, DEFAULT_LEDGER_CLOCK_TOLERANCE,
        DEFAULT_IP_RATE, DEFAULT_IP_BURST, DEFAULT_REQUESTER_RATE, DEFAULT_REQUESTER_BURST, DEFAULT_MAX_BODY_BYTES,
        DEFAULT_MAX_IN_FLIGHT, DEFAULT_REPLAY_CACHE_SIZE, defaultWorkers(true),
        DEFAULT_PASSPHRASE_ENV, null, DEFAULT_KDF_MEMORY_KIB, DEFAULT_KDF_ITERATIONS, AuditFsync.COMMIT,
        DEFAULT_AUDIT_FSYNC_INTERVAL, DEFAULT_AUDIT_COMMIT_DELAY, null, DEFAULT_LEDGER_WAIT, DEFAULT_REQUEST_DEADLINE, ServerLimits.defaults(),
        Objects.requireNonNull(evm, "evm"), Duration.ZERO, CorsPolicy.off());
  }

  /** {@code evm} or {@code embedded}: which kind of chain this server decides on. */
  public String chain() {
    return evm == null ? KeyServerEvmConfig.CHAIN_EMBEDDED : KeyServerEvmConfig.CHAIN_EVM;
  }

  /** A bad configuration: the message names the key (and line) at fault. */
  public static final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
      super(message);
    }

    ConfigException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  // ---------------------------------------------------------------- keys

  /** Every key, in the order {@link #render} writes them. */
  public static final List<String> KEYS = List.of("server-id", "host", "port", "data-dir", "ledger-url", "ledger-id",
      "sequencer-key", "staleness-bound", "request-window", "ledger-poll-wait", "ledger-clock-tolerance",
      "rate-limit-ip", "rate-burst-ip",
      "rate-limit-requester", "rate-burst-requester", "max-body", "max-in-flight", "replay-cache-size",
      "worker-threads", "passphrase-env", "passphrase-file", "kdf-memory", "kdf-iterations", "audit-fsync",
      "audit-fsync-interval", "audit-commit-delay", "genesis-digest", "ledger-wait", "request-deadline", "idle-timeout", "head-timeout",
      "body-timeout", "min-body-rate", "max-connections-per-address", "max-in-flight-per-address", "chain",
      "evm-rpc-url",
      "evm-rpc-url-2", "evm-chain-id", "evm-confirmations", "evm-poll-interval", "evm-block-time", "clock-offset",
      "cors-origins");

  /** The part's name in environment variables: {@code CACHET_KEYSERVER_<KEY>}. */
  public static final String PART = "keyserver";

  // ---------------------------------------------------------------- reading

  /**
   * Reads a key server's configuration from its file (or none), the {@code CACHET_KEYSERVER_*}
   * variables of {@code env}, and {@code --set key=value} flags, later layers winning.
   *
   * @throws ConfigException naming the key and where its value came from
   * @throws IOException if the file cannot be read
   */
  public static KeyServerConfig load(Path file, Map<String, String> env, List<String> sets) throws IOException {
    return KeyServerConfigReader.read(Settings.load(PART, KEYS, file, env, sets));
  }

  /**
   * Types and checks settings already read (by the command line's one loader).
   *
   * @throws io.cachet.common.config.ConfigException naming the key and where its value came from
   */
  public static KeyServerConfig from(Settings settings) {
    return KeyServerConfigReader.read(settings);
  }

  /** Parses a config file's text; {@code source} names it in errors. */
  public static KeyServerConfig parse(String text, String source) {
    return KeyServerConfigReader.read(Settings.parse(PART, KEYS, text, source));
  }

  /** This config with some keys set to new values, exactly as a file or flags would set them. */
  public KeyServerConfig with(Map<String, String> changes) {
    Map<String, String> values = new LinkedHashMap<>(Settings.parse(PART, KEYS, render(), "config").raw());
    for (Map.Entry<String, String> e : changes.entrySet()) {
      if (!KEYS.contains(e.getKey())) {
        throw new ConfigException("unknown key '" + e.getKey() + "'");
      }
      values.put(e.getKey(), e.getValue());
    }
    return parse(ConfigText.render("Cachet key server", values), "config");
  }

  public KeyServerConfig with(String key, String value) {
    return with(Map.of(key, value));
  }

  /** The clock this server decides by: the system's, shifted by {@code clock-offset} (for fault drills). */
  public Clock clock() {
    return clockOffset.isZero() ? Clock.systemUTC() : Clock.offset(Clock.systemUTC(), clockOffset);
  }

  // ---------------------------------------------------------------- rendering

  /** The config as a file {@link #parse} reads back to an equal config. */
  public String render() {
    List<String> lines = new ArrayList<>();
    lines.add("# Cachet key server " + serverId);
    put(lines, "server-id", serverId);
    put(lines, "host", host);
    put(lines, "port", Integer.toString(port));
    put(lines, "data-dir", dataDir.toString());
    if (evm == null) {
      put(lines, "ledger-url", ledgerUrl);
      put(lines, "ledger-id", ledgerId);
      put(lines, "sequencer-key", sequencerKey.toString());
    } else {
      evm.render(lines);
    }
    put(lines, "staleness-bound", duration(stalenessBound));
    put(lines, "request-window", duration(requestWindow));
    if (evm == null) {
      put(lines, "ledger-poll-wait", duration(ledgerPollWait));
    }
    put(lines, "ledger-clock-tolerance", duration(ledgerClockTolerance));
    put(lines, "rate-limit-ip", ConfigText.decimal(ipRate));
    put(lines, "rate-burst-ip", Integer.toString(ipBurst));
    put(lines, "rate-limit-requester", ConfigText.decimal(requesterRate));
    put(lines, "rate-burst-requester", Integer.toString(requesterBurst));
    put(lines, "max-body", Integer.toString(maxBodyBytes));
    put(lines, "max-in-flight", Integer.toString(maxInFlight));
    put(lines, "replay-cache-size", Integer.toString(replayCacheSize));
    put(lines, "worker-threads", Integer.toString(workerThreads));
    put(lines, "passphrase-env", passphraseEnv);
    // every key is written, an unset one empty, so that a printed config shows all there is
    put(lines, "passphrase-file", passphraseFile == null ? "" : passphraseFile.toString());
    put(lines, "kdf-memory", Integer.toString(kdfMemoryKiB));
    put(lines, "kdf-iterations", Integer.toString(kdfIterations));
    put(lines, "audit-fsync", auditFsync.name().toLowerCase(Locale.ROOT));
    put(lines, "audit-fsync-interval", duration(auditFsyncInterval));
    put(lines, "audit-commit-delay", duration(auditCommitDelay));
    if (evm == null) {
      put(lines, "genesis-digest", genesisDigest == null ? "" : genesisDigest);
    }
    put(lines, "ledger-wait", duration(ledgerWait));
    put(lines, "request-deadline", duration(requestDeadline));
    put(lines, "idle-timeout", duration(limits.idleTimeout()));
    put(lines, "head-timeout", duration(limits.headTimeout()));
    put(lines, "body-timeout", duration(limits.bodyTimeout()));
    put(lines, "min-body-rate", Integer.toString(limits.minBodyBytesPerSecond()));
    put(lines, "max-connections-per-address", Integer.toString(limits.maxConnectionsPerAddress()));
    put(lines, "max-in-flight-per-address", Integer.toString(limits.maxInFlightPerAddress()));
    put(lines, "clock-offset", duration(clockOffset));
    put(lines, "cors-origins", cors.render());
    return String.join("\n", lines) + "\n";
  }

  private static void put(List<String> lines, String key, String value) {
    lines.add(value.isEmpty() ? key + " =" : key + " = " + value);
  }
}
