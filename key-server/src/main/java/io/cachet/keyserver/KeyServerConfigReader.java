package io.cachet.keyserver;

import io.cachet.common.config.ConfigException;
import io.cachet.common.config.Settings;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.ServerLimits;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.VerifyingKey;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * Turns a key server's {@link Settings} into a {@link KeyServerConfig}: each key's value by its
 * syntax, its default when no layer sets it. A value the config refuses is reported with the key
 * and where that value came from (file and line, environment variable, {@code --set}), so the
 * operator knows what to change.
 */
final class KeyServerConfigReader {
  /** What every embedded-ledger config needs. */
  private static final List<String> REQUIRED = List.of("server-id", "data-dir", "ledger-url", "ledger-id",
      "sequencer-key");
  /** What every config needs, whichever the chain. */
  private static final List<String> REQUIRED_ALWAYS = List.of("server-id", "data-dir");

  private KeyServerConfigReader() {}

  static KeyServerConfig read(Settings s) {
    KeyServerEvmConfig evm = evm(s);
    for (String key : evm == null ? REQUIRED : REQUIRED_ALWAYS) {
      s.required(key);
    }
    try {
      return new KeyServerConfig(
          s.string("server-id", null),
          s.string("host", KeyServerConfig.DEFAULT_HOST),
          s.integer("port", KeyServerConfig.DEFAULT_PORT),
          s.path("data-dir", null),
          s.string("ledger-url", null),
          s.string("ledger-id", null),
          evm == null ? sequencerKey(s) : null,
          s.duration("staleness-bound", KeyServerConfig.DEFAULT_STALENESS_BOUND),
          s.duration("request-window", KeyServerConfig.DEFAULT_REQUEST_WINDOW),
          s.duration("ledger-poll-wait", KeyServerConfig.DEFAULT_LEDGER_POLL_WAIT),
          s.duration("ledger-clock-tolerance", KeyServerConfig.DEFAULT_LEDGER_CLOCK_TOLERANCE),
          s.decimal("rate-limit-ip", KeyServerConfig.DEFAULT_IP_RATE),
          s.integer("rate-burst-ip", KeyServerConfig.DEFAULT_IP_BURST),
          s.decimal("rate-limit-requester", KeyServerConfig.DEFAULT_REQUESTER_RATE),
          s.integer("rate-burst-requester", KeyServerConfig.DEFAULT_REQUESTER_BURST),
          intSize(s, "max-body", KeyServerConfig.DEFAULT_MAX_BODY_BYTES),
          s.integer("max-in-flight", KeyServerConfig.DEFAULT_MAX_IN_FLIGHT),
          s.integer("replay-cache-size", KeyServerConfig.DEFAULT_REPLAY_CACHE_SIZE),
          s.integer("worker-threads", KeyServerConfig.defaultWorkers(evm != null)),
          s.string("passphrase-env", KeyServerConfig.DEFAULT_PASSPHRASE_ENV),
          s.path("passphrase-file", null),
          s.integer("kdf-memory", KeyServerConfig.DEFAULT_KDF_MEMORY_KIB),
          s.integer("kdf-iterations", KeyServerConfig.DEFAULT_KDF_ITERATIONS),
          fsync(s),
          s.duration("audit-fsync-interval", KeyServerConfig.DEFAULT_AUDIT_FSYNC_INTERVAL),
          s.duration("audit-commit-delay", KeyServerConfig.DEFAULT_AUDIT_COMMIT_DELAY),
          nonEmpty(s, "genesis-digest"),
          s.duration("ledger-wait", KeyServerConfig.DEFAULT_LEDGER_WAIT),
          s.duration("request-deadline", KeyServerConfig.DEFAULT_REQUEST_DEADLINE),
          new ServerLimits(
              s.duration("idle-timeout", ServerLimits.DEFAULT_IDLE_TIMEOUT),
              s.duration("head-timeout", ServerLimits.DEFAULT_HEAD_TIMEOUT),
              s.duration("body-timeout", ServerLimits.DEFAULT_BODY_TIMEOUT),
              intSize(s, "min-body-rate", ServerLimits.DEFAULT_MIN_BODY_BYTES_PER_SECOND),
              s.integer("max-connections-per-address", ServerLimits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS),
              s.integer("max-in-flight-per-address", ServerLimits.DEFAULT_MAX_IN_FLIGHT_PER_ADDRESS)),
          evm,
          s.signedDuration("clock-offset", Duration.ZERO),
          CorsPolicy.fromSettings(s));
    } catch (ConfigException e) {
      throw withOrigin(e, s);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw withOrigin(new ConfigException(e.getMessage(), e), s);
    }
  }

  /**
   * The config's own rules name the key at the start of their message but cannot know where the
   * value came from; this adds it. Messages that already name an origin are left as they are.
   */
  private static ConfigException withOrigin(ConfigException e, Settings s) {
    String message = e.getMessage() == null ? "invalid configuration" : e.getMessage();
    if (message.contains("(from ")) {
      return e;
    }
    return s.keys().stream()
        .filter(k -> message.startsWith(k + " ") || message.startsWith(k + ":") || message.startsWith(k + ","))
        .max(Comparator.comparingInt(String::length))
        .filter(s::has)
        .map(k -> new ConfigException(message + " (" + k + " from " + s.origin(k) + ")", e))
        .orElse(e);
  }

  /** The EVM part for {@code chain = evm}; null for the embedded ledger. */
  private static KeyServerEvmConfig evm(Settings s) {
    String chain = s.string("chain", KeyServerEvmConfig.CHAIN_EMBEDDED);
    if (KeyServerEvmConfig.CHAIN_EMBEDDED.equals(chain)) {
      for (String key : KeyServerEvmConfig.KEYS) {
        if (nonEmpty(s, key) != null) {
          throw new ConfigException(key + " (from " + s.origin(key) + ") is for chain = evm; this config's chain is"
              + " embedded");
        }
      }
      return null;
    }
    if (!KeyServerEvmConfig.CHAIN_EVM.equals(chain)) {
      throw s.invalid("chain", "must be embedded or evm");
    }
    for (String key : KeyServerEvmConfig.EMBEDDED_ONLY) {
      if (nonEmpty(s, key) != null) {
        throw new ConfigException(key + " (from " + s.origin(key) + ") is for the embedded ledger; with chain = evm"
            + " it is not used (remove it)");
      }
    }
    for (String key : List.of("evm-rpc-url", "evm-chain-id")) {
      if (nonEmpty(s, key) == null) {
        throw new ConfigException(key + " is required with chain = evm");
      }
    }
    try {
      return KeyServerEvmConfig.fromSettings(s);
    } catch (ConfigException e) {
      throw withOrigin(e, s);
    }
  }

  /** A value, or null when no layer sets it or it is set empty. */
  private static String nonEmpty(Settings s, String key) {
    String v = s.string(key, null);
    return v == null || v.isEmpty() ? null : v;
  }

  private static int intSize(Settings s, String key, int dflt) {
    long n = s.size(key, dflt);
    if (n > Integer.MAX_VALUE) {
      throw s.invalid(key, "is out of range");
    }
    return (int) n;
  }

  private static VerifyingKey sequencerKey(Settings s) {
    try {
      return VerifyingKey.parse(s.required("sequencer-key"));
    } catch (FormatException | IllegalArgumentException e) {
      throw new ConfigException("sequencer-key (from " + s.origin("sequencer-key") + ") must be the ledger's Ed25519"
          + " key in base64url (as GET /v1/head shows it): " + e.getMessage(), e);
    }
  }

  private static KeyServerConfig.AuditFsync fsync(Settings s) {
    return switch (s.string("audit-fsync", "commit")) {
      case "commit" -> KeyServerConfig.AuditFsync.COMMIT;
      case "periodic" -> KeyServerConfig.AuditFsync.PERIODIC;
      default -> throw s.invalid("audit-fsync", "must be commit or periodic");
    };
  }
}
