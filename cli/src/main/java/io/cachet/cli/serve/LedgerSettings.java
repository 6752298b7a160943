package io.cachet.cli.serve;

import io.cachet.common.config.ConfigException;
import io.cachet.common.config.ConfigText;
import io.cachet.common.config.Settings;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.ServerLimits;
import io.cachet.crypto.Names;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A ledger's configuration as {@code cachet ledger serve} reads it (docs/DEPLOY.md, {@code ##
 * ledger}, lists every key). Values are checked here, at load, so a bad one is refused with its key
 * and origin before anything starts; files, directories and ports are checked by
 * {@link LedgerServeCommand} through {@code StartupChecks}.
 *
 * @param keystore the sequencer's identity keystore (default {@code data-dir/sequencer.json})
 * @param passphraseEnv the environment variable holding the keystore's passphrase, or null
 * @param passphraseFile the 0600 file holding it, or null (exactly one of the two is set)
 * @param storageNetwork the storage network's {@code network.json}, or null
 * @param clockOffset what the sequencer's clock is shifted by, for fault drills
 * @param cors the web origins whose pages may read heads and policy state from a browser
 */
public record LedgerSettings(String ledgerId, Path dataDir, String host, int port, Path keystore,
    String passphraseEnv, Path passphraseFile, Duration heartbeat, Path storageNetwork, Duration clockOffset,
    ServerLimits limits, CorsPolicy cors) {

  /** The part's name in environment variables ({@code CACHET_LEDGER_*}) and messages. */
  public static final String PART = "ledger";
  /** The keystore's file name in the data directory when {@code sequencer-keystore} is not set. */
  public static final String DEFAULT_KEYSTORE = "sequencer.json";
  /** Where the ledger listens unless told: this machine only. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** The ledger's customary port. */
  public static final int DEFAULT_PORT = 7300;
  /** An empty block this often when nothing else is cut: how soon followers tell quiet from cut off. */
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(500);
  /** Shortest heartbeat: below it the journal fsyncs empty blocks faster than they tell anyone anything. */
  public static final Duration MIN_HEARTBEAT = Duration.ofMillis(10);
  /** Longest heartbeat: key servers treat a ledger quiet for longer than their staleness bound as stale. */
  public static final Duration MAX_HEARTBEAT = Duration.ofMinutes(10);
  /** Largest clock offset either way: a drill shifts time by hours or days, not by years. */
  public static final Duration MAX_CLOCK_OFFSET = Duration.ofDays(366);

  /** Every key, in the order {@code --print-config} writes them. */
  public static final List<String> KEYS = List.of("ledger-id", "data-dir", "host", "port", "sequencer-keystore",
      "passphrase-env", "passphrase-file", "heartbeat", "storage-network", "clock-offset", "idle-timeout",
      "head-timeout", "body-timeout", "min-body-rate", "max-connections-per-address", "max-in-flight-per-address",
      CorsPolicy.KEY);

  /**
   * Checks and types every value.
   *
   * @throws ConfigException naming the first bad key and its origin
   */
  public static LedgerSettings from(Settings s) {
    String ledgerId = s.required("ledger-id");
    try {
      Names.check(ledgerId, "ledger-id");
    } catch (IllegalArgumentException e) {
      throw s.invalid("ledger-id", "must be 1.." + Names.MAX_LENGTH + " characters of [A-Za-z0-9._:-]");
    }
    s.required("data-dir");
    Path dataDir = s.path("data-dir", null);
    String host = s.string("host", DEFAULT_HOST);
    if (host.isEmpty()) {
      throw s.invalid("host", "must not be empty");
    }
    int port = s.integer("port", DEFAULT_PORT);
    if (port < 0 || port > 65_535) {
      throw s.invalid("port", "must be 0..65535 (0 takes any free port)");
    }
    Path keystore = s.path("sequencer-keystore", dataDir.resolve(DEFAULT_KEYSTORE));
    String passphraseEnv = s.string("passphrase-env", "");
    Path passphraseFile = s.path("passphrase-file", null);
    if (passphraseEnv.isEmpty() == (passphraseFile == null)) {
      throw new ConfigException("exactly one of passphrase-env (from " + s.origin("passphrase-env")
          + ") and passphrase-file (from " + s.origin("passphrase-file") + ") must be set: the keystore's"
          + " passphrase never sits in the configuration itself");
    }
    Duration heartbeat = s.duration("heartbeat", DEFAULT_HEARTBEAT);
    if (heartbeat.compareTo(MIN_HEARTBEAT) < 0 || heartbeat.compareTo(MAX_HEARTBEAT) > 0) {
      throw s.invalid("heartbeat", "must be " + ConfigText.duration(MIN_HEARTBEAT) + ".."
          + ConfigText.duration(MAX_HEARTBEAT));
    }
    Duration offset = s.signedDuration("clock-offset", Duration.ZERO);
    if (offset.abs().compareTo(MAX_CLOCK_OFFSET) > 0) {
      throw s.invalid("clock-offset", "must be within " + MAX_CLOCK_OFFSET.toHours() + "h either way");
    }
    return new LedgerSettings(ledgerId, dataDir, host, port, keystore, passphraseEnv.isEmpty() ? null : passphraseEnv,
        passphraseFile, heartbeat, s.path("storage-network", null), offset, limits(s), CorsPolicy.fromSettings(s));
  }

  private static ServerLimits limits(Settings s) {
    Duration idle = s.duration("idle-timeout", ServerLimits.DEFAULT_IDLE_TIMEOUT);
    Duration head = s.duration("head-timeout", ServerLimits.DEFAULT_HEAD_TIMEOUT);
    Duration body = s.duration("body-timeout", ServerLimits.DEFAULT_BODY_TIMEOUT);
    long rate = s.size("min-body-rate", ServerLimits.DEFAULT_MIN_BODY_BYTES_PER_SECOND);
    if (rate > Integer.MAX_VALUE) {
      throw s.invalid("min-body-rate", "is out of range");
    }
    int connections = s.integer("max-connections-per-address", ServerLimits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
    int inFlight = s.integer("max-in-flight-per-address", ServerLimits.DEFAULT_MAX_IN_FLIGHT_PER_ADDRESS);
    try {
      return new ServerLimits(idle, head, body, (int) rate, connections, inFlight);
    } catch (IllegalArgumentException e) {
      // ServerLimits names the key in its message; the origin is added here
      String key = KEYS.stream().filter(k -> e.getMessage().startsWith(k + " ")).findFirst().orElse("idle-timeout");
      throw s.invalid(key, e.getMessage().substring(key.length() + 1));
    }
  }

  /** Every key with its effective value, defaults included, as the file format writes it. */
  public Map<String, String> values() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("ledger-id", ledgerId);
    v.put("data-dir", dataDir.toString());
    v.put("host", host);
    v.put("port", Integer.toString(port));
    v.put("sequencer-keystore", keystore.toString());
    v.put("passphrase-env", passphraseEnv == null ? "" : passphraseEnv);
    v.put("passphrase-file", passphraseFile == null ? "" : passphraseFile.toString());
    v.put("heartbeat", ConfigText.duration(heartbeat));
    v.put("storage-network", storageNetwork == null ? "" : storageNetwork.toString());
    v.put("clock-offset", ConfigText.duration(clockOffset));
    v.put("idle-timeout", ConfigText.duration(limits.idleTimeout()));
    v.put("head-timeout", ConfigText.duration(limits.headTimeout()));
    v.put("body-timeout", ConfigText.duration(limits.bodyTimeout()));
    v.put("min-body-rate", ConfigText.size(limits.minBodyBytesPerSecond()));
    v.put("max-connections-per-address", Integer.toString(limits.maxConnectionsPerAddress()));
    v.put("max-in-flight-per-address", Integer.toString(limits.maxInFlightPerAddress()));
    v.put(CorsPolicy.KEY, cors.render());
    return v;
  }
}
