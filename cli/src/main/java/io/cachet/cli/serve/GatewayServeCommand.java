package io.cachet.cli.serve;

import io.cachet.cli.ExitCodes;
import io.cachet.cli.PassphraseOptions;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.ConfigText;
import io.cachet.common.config.Settings;
import io.cachet.common.config.StartupChecks;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.process.Termination;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.WrongPassphraseException;
import io.cachet.policy.LedgerRef;
import io.cachet.storage.gateway.CertificateSink;
import io.cachet.storage.gateway.Gateway;
import io.cachet.storage.gateway.GatewayConfig;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.node.NodeKey;
import io.cachet.storage.node.NodeKeys;
import io.cachet.storage.walrus.RetryPolicy;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cachet gateway serve}: the storage network's publisher and aggregator as its own process
 * (keys in docs/DEPLOY.md). Before it listens it checks the network descriptor, the publisher key
 * (owner-only), the limits, the certificate ledger's settings (the keystore owner-only, its
 * passphrase opening it) and the port, refusing with the key's name. With {@code ledger-url} set,
 * a put is answered only once its certificate is committed on that ledger; without it, certificates
 * stay on the nodes (the log says so at start). On SIGTERM it stops taking connections, lets puts
 * and reads under way finish, and exits 0.
 */
@Command(name = "serve", description = "Run the gateway until SIGTERM.")
public final class GatewayServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayServeCommand.class);
  /** Environment variables read {@code CACHET_GATEWAY_<KEY>}. */
  static final String PART = "gateway";
  /** Every key a gateway's configuration may set. */
  static final List<String> KEYS = List.of("network", "publisher-key", "host", "port", "max-blob-size",
      "stripes-in-flight", "max-concurrent-uploads", "max-concurrent-downloads", "read-ahead", "read-ahead-budget",
      "node-timeout", "repair-interval", "audit-interval", "ledger-url", "ledger-id", "ledger-genesis",
      "certificate-keystore", "passphrase-env", "passphrase-file", "clock-offset", CorsPolicy.KEY);
  /** The gateway's port when the configuration names none. */
  static final int DEFAULT_PORT = 7500;
  /** How often a served gateway repairs by default: a lost node's shards are rebuilt within minutes. */
  static final Duration DEFAULT_REPAIR_INTERVAL = Duration.ofMinutes(1);
  /** How often a served gateway challenges a node by default. */
  static final Duration DEFAULT_AUDIT_INTERVAL = Duration.ofSeconds(30);
  /** Longest the gateway may take to listen. */
  private static final long START_BOUND_SECONDS = 60;

  @Spec
  CommandSpec spec;

  @Mixin
  ServeOptions options;

  /** Where certificates go: a ledger, with the identity that signs for the gateway. */
  record LedgerTarget(String url, LedgerRef ref, Identity identity) {}

  /** The settings read and checked; {@code config} and {@code ledger} are null when only printing. */
  record Plan(GatewayConfig config, LedgerTarget ledger, Map<String, String> effective) {}

  @Override
  public Integer call() throws Exception {
    Plan plan = plan(options.load(PART, KEYS), !options.printConfig());
    if (options.printConfig()) {
      spec.commandLine().getOut().print(ConfigText.render("cachet gateway serve", plan.effective()));
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
    try {
      StartupChecks.portFree(plan.config().host(), plan.config().port(), "port");
    } catch (ConfigException e) {
      release(plan);
      throw e;
    }
    if (options.check()) {
      release(plan);
      spec.commandLine().getOut().println("gateway: the configuration is usable");
      return ExitCodes.OK;
    }
    serve(plan);
    return ExitCodes.OK;
  }

  private static void release(Plan plan) {
    if (plan.config() != null) {
      plan.config().publisherKey().destroy();
    }
    if (plan.ledger() != null) {
      plan.ledger().identity().destroy();
    }
  }

  static Plan plan(Settings s, boolean open) throws IOException, WrongPassphraseException {
    NetworkConfig network = StorageSettings.network(s, "network");
    Path publisherFile = StorageSettings.requiredPath(s, "publisher-key");
    String host = s.string("host", "127.0.0.1");
    int port = s.integer("port", DEFAULT_PORT);
    if (port < 0 || port > 65535) {
      throw s.invalid("port", "must be 0..65535");
    }
    long maxBlob = s.size("max-blob-size", GatewayConfig.DEFAULT_MAX_BLOB_SIZE);
    int stripes = atLeastOne(s, "stripes-in-flight", 4);
    int uploads = atLeastOne(s, "max-concurrent-uploads", 4);
    int downloads = atLeastOne(s, "max-concurrent-downloads", GatewayConfig.DEFAULT_MAX_CONCURRENT_DOWNLOADS);
    int readAhead = atLeastOne(s, "read-ahead", 6);
    long budget = s.size("read-ahead-budget", GatewayConfig.DEFAULT_READ_AHEAD_BUDGET_BYTES);
    if (budget < 1) {
      throw s.invalid("read-ahead-budget", "must be at least 1 byte");
    }
    Duration nodeTimeout = s.duration("node-timeout", Duration.ofSeconds(30));
    if (nodeTimeout.toMillis() < 1) {
      throw s.invalid("node-timeout", "must be at least 1ms");
    }
    Duration repair = s.duration("repair-interval", DEFAULT_REPAIR_INTERVAL);
    Duration audit = s.duration("audit-interval", DEFAULT_AUDIT_INTERVAL);
    Duration offset = s.signedDuration("clock-offset", Duration.ZERO);
    CorsPolicy cors = CorsPolicy.fromSettings(s);
    String ledgerUrl = s.string("ledger-url", "");
    Path keystore = s.path("certificate-keystore", null);
    Map<String, String> effective = new LinkedHashMap<>();
    effective.put("network", s.path("network", null).toString());
    effective.put("publisher-key", publisherFile.toString());
    effective.put("host", host);
    effective.put("port", Integer.toString(port));
    effective.put("max-blob-size", ConfigText.size(maxBlob));
    effective.put("stripes-in-flight", Integer.toString(stripes));
    effective.put("max-concurrent-uploads", Integer.toString(uploads));
    effective.put("max-concurrent-downloads", Integer.toString(downloads));
    effective.put("read-ahead", Integer.toString(readAhead));
    effective.put("read-ahead-budget", ConfigText.size(budget));
    effective.put("node-timeout", ConfigText.duration(nodeTimeout));
    effective.put("repair-interval", ConfigText.duration(repair));
    effective.put("audit-interval", ConfigText.duration(audit));
    effective.put("ledger-url", ledgerUrl);
    effective.put("ledger-id", s.string("ledger-id", ""));
    effective.put("ledger-genesis", s.string("ledger-genesis", ""));
    effective.put("certificate-keystore", keystore == null ? "" : keystore.toString());
    effective.put("passphrase-env", s.string("passphrase-env", ""));
    Path passphraseFile = s.path("passphrase-file", null);
    effective.put("passphrase-file", passphraseFile == null ? "" : passphraseFile.toString());
    effective.put("clock-offset", ConfigText.duration(offset));
    effective.put(CorsPolicy.KEY, cors.render());
    if (!open) {
      return new Plan(null, null, effective);
    }
    StartupChecks.privateFile(publisherFile, "publisher-key");
    LedgerTarget ledger = ledgerUrl.isEmpty() ? null : ledger(s, ledgerUrl);
    NodeKey publisherKey;
    try {
      publisherKey = NodeKeys.load(publisherFile.toAbsolutePath().getParent(), publisherFile.getFileName().toString());
    } catch (IOException e) {
      if (ledger != null) {
        ledger.identity().destroy();
      }
      throw new ConfigException("publisher-key (from " + s.origin("publisher-key") + "): " + e.getMessage());
    }
    Clock clock = StorageSettings.clock(s);
    GatewayConfig config = new GatewayConfig(network, host, port, maxBlob, stripes, uploads, readAhead, downloads,
        budget, nodeTimeout.toMillis(), repair.toMillis(), audit.toMillis(), clock::millis, publisherKey, cors);
    return new Plan(config, ledger, effective);
  }

  private static int atLeastOne(Settings s, String key, int dflt) {
    int n = s.integer(key, dflt);
    if (n < 1) {
      throw s.invalid(key, "must be at least 1");
    }
    return n;
  }

  /** The certificate ledger's settings, its keystore opened: every one is needed once {@code ledger-url} is set. */
  private static LedgerTarget ledger(Settings s, String url)
      throws IOException, WrongPassphraseException {
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw s.invalid("ledger-url", "must be an http:// or https:// URL");
    }
    String id = s.required("ledger-id");
    byte[] genesis;
    try {
      genesis = LedgerRef.parseGenesisDigest(s.required("ledger-genesis"), "ledger-genesis");
    } catch (FormatException e) {
      throw s.invalid("ledger-genesis", "must be the ledger's genesis digest, 0x and 64 hex digits");
    }
    LedgerRef ref;
    try {
      ref = new LedgerRef(id, genesis);
    } catch (IllegalArgumentException e) {
      throw s.invalid("ledger-id", "is not a ledger name");
    }
    Path keystore = StorageSettings.requiredPath(s, "certificate-keystore");
    StartupChecks.privateFile(keystore, "certificate-keystore");
    char[] passphrase = passphrase(s);
    try {
      return new LedgerTarget(url, ref, Keystore.decrypt(Files.readAllBytes(keystore), passphrase));
    } catch (FormatException e) {
      throw new ConfigException("certificate-keystore (from " + s.origin("certificate-keystore") + "): " + keystore
          + " is not a keystore: " + e.getMessage());
    } finally {
      Arrays.fill(passphrase, '\0');
    }
  }

  /** The keystore's passphrase: from the variable {@code passphrase-env} names, or the 0600 {@code passphrase-file}. */
  private static char[] passphrase(Settings s) throws IOException {
    if (s.has("passphrase-env") == s.has("passphrase-file")) {
      throw new ConfigException("passphrase-env or passphrase-file: exactly one must be set, to open"
          + " certificate-keystore");
    }
    if (s.has("passphrase-env")) {
      String name = s.required("passphrase-env");
      String value = io.cachet.cli.Invocation.current().env(name);
      if (value == null || value.isEmpty()) {
        throw s.invalid("passphrase-env", "names a variable that is not set");
      }
      return value.toCharArray();
    }
    Path file = StorageSettings.requiredPath(s, "passphrase-file");
    StartupChecks.privateFile(file, "passphrase-file");
    return PassphraseOptions.fromFile(file);
  }

  private static void serve(Plan plan) throws Exception {
    ServeOptions.logEvents();
    Vertx vertx = Vertx.vertx();
    GatewayConfig config = plan.config();
    LedgerTarget ledger = plan.ledger();
    GatewayLedgerSink ledgerSink = ledger == null ? null
        : new GatewayLedgerSink(vertx, ledger.url(), ledger.ref(), ledger.identity(), RetryPolicy.defaults());
    CertificateSink sink = ledgerSink == null ? CertificateSink.NONE : ledgerSink;
    if (ledgerSink == null) {
      LOG.warn("event=gateway_no_ledger reason=\"ledger-url is not set: certificates stay on the nodes only\"");
    }
    Gateway gateway = new Gateway(config, sink);
    try {
      vertx.deployVerticle(gateway).await(START_BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close().await(30, TimeUnit.SECONDS);
      throw new IOException("the gateway did not start: " + e.getMessage(), e);
    }
    LOG.info("event=gateway_serving address={}:{} nodes={} f={} ledger={}", config.host(), gateway.actualPort(),
        config.network().n(), config.network().f(), ledger == null ? "none" : ledger.ref().ledgerId());
    Termination.onSignal(PART, () -> {
      try {
        StorageProcess.close(vertx, "gateway");
      } finally {
        if (ledgerSink != null) {
          ledgerSink.close();
        }
        config.publisherKey().destroy();
      }
    });
    StorageProcess.awaitSignal();
  }
}
