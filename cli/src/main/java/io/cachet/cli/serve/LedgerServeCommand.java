package io.cachet.cli.serve;

import io.cachet.cli.ExitCodes;
import io.cachet.cli.Invocation;
import io.cachet.cli.PassphraseOptions;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.ConfigText;
import io.cachet.common.config.StartupChecks;
import io.cachet.common.process.Termination;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.WrongPassphraseException;
import io.cachet.policy.Sequencer;
import io.cachet.policy.server.LedgerServer;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cachet ledger serve}: runs the embedded ledger (its sequencer and HTTP API) from a
 * configuration until SIGTERM or SIGINT, then stops cleanly and exits 0.
 *
 * <p>Start-up checks run in this order, each refusing with exit 2 and the key named before anything
 * is opened: every value; the data directory exists; the keystore and passphrase file are private;
 * the passphrase variable is set; the storage network's file reads; the port is free (a port in
 * use exits 4). Then the keystore is opened (a wrong passphrase exits 3). {@code --check} stops
 * there.
 */
@Command(
    name = "serve",
    description = {"Serve the embedded ledger from a configuration until SIGTERM or SIGINT.",
        "Keys (docs/DEPLOY.md, 'ledger'): " + "ledger-id, data-dir, host, port, sequencer-keystore, passphrase-env,"
            + " passphrase-file, heartbeat, storage-network, clock-offset, idle-timeout, head-timeout, body-timeout,"
            + " min-body-rate, max-connections-per-address, max-in-flight-per-address, cors-origins; each also as"
            + " CACHET_LEDGER_<KEY>."},
    footer = {"", "Exit codes: 0 stopped by SIGTERM or SIGINT (or --check passed),",
        "2 bad configuration, 3 wrong passphrase, 4 a file or port failed.", "", "Example:",
        "  cachet ledger serve --config /etc/cachet/ledger.conf --set port=7301"})
public final class LedgerServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerServeCommand.class);
  /** Longest the HTTP server may take to bind or to close. */
  private static final long SERVER_TIMEOUT_SECONDS = 30;

  @Spec CommandSpec spec;

  @Mixin ServeOptions options;

  @Override
  public Integer call() throws Exception {
    LedgerSettings settings = LedgerSettings.from(options.load(LedgerSettings.PART, LedgerSettings.KEYS));
    PrintWriter out = spec.commandLine().getOut();
    if (options.printConfig()) {
      out.print(ConfigText.render("cachet ledger configuration (docs/DEPLOY.md, 'ledger')", settings.values()));
      out.flush();
      return ExitCodes.OK;
    }
    NetworkConfig network = check(settings);
    Identity sequencerKey = openKeystore(settings);
    if (options.check()) {
      sequencerKey.destroy();
      out.println("ledger " + settings.ledgerId() + ": configuration checked; it would serve on http://"
          + settings.host() + ":" + settings.port() + " as sequencer " + sequencerKey.verifyingKey());
      out.flush();
      return ExitCodes.OK;
    }
    ServeOptions.logEvents();
    serve(settings, sequencerKey, network);
    new CountDownLatch(1).await(); // Termination exits the process once the ledger has stopped
    return ExitCodes.OK;
  }

  /** Every check that needs no secret; returns the storage network, or null if none is configured. */
  private static NetworkConfig check(LedgerSettings s) throws IOException {
    StartupChecks.directory(s.dataDir(), "data-dir");
    StartupChecks.privateFile(s.keystore(), "sequencer-keystore");
    if (s.passphraseFile() != null) {
      StartupChecks.privateFile(s.passphraseFile(), "passphrase-file");
    } else {
      String value = Invocation.current().env(s.passphraseEnv());
      if (value == null || value.isEmpty()) {
        throw new ConfigException("passphrase-env: the environment variable " + s.passphraseEnv()
            + " it names is not set; set it to the sequencer keystore's passphrase");
      }
    }
    NetworkConfig network = null;
    if (s.storageNetwork() != null) {
      if (!Files.isRegularFile(s.storageNetwork())) {
        throw new ConfigException("storage-network: " + s.storageNetwork() + " is not a file");
      }
      try {
        network = StorageCommittee.read(s.storageNetwork());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("storage-network: " + s.storageNetwork() + " " + e.getMessage(), e);
      }
    }
    StartupChecks.portFree(s.host(), s.port(), "port");
    return network;
  }

  /** The sequencer's identity; a wrong passphrase is a refusal (exit 3), a damaged file a file failure (exit 4). */
  private static Identity openKeystore(LedgerSettings s) throws IOException, WrongPassphraseException {
    char[] passphrase = s.passphraseFile() != null ? PassphraseOptions.fromFile(s.passphraseFile())
        : Invocation.current().env(s.passphraseEnv()).toCharArray();
    try {
      return Keystore.decrypt(Files.readAllBytes(s.keystore()), passphrase);
    } catch (FormatException e) {
      throw new IOException("sequencer-keystore: " + s.keystore() + " is not a readable keystore: " + e.getMessage(), e);
    } finally {
      Arrays.fill(passphrase, '\0');
    }
  }

  private static void serve(LedgerSettings s, Identity key, NetworkConfig network) throws Exception {
    Sequencer sequencer;
    try {
      sequencer = Sequencer.open(new Sequencer.Config(s.dataDir(), s.ledgerId(), s.heartbeat(),
          Clock.offset(Clock.systemUTC(), s.clockOffset())), key);
    } catch (IOException | RuntimeException e) {
      key.destroy();
      throw e;
    }
    Vertx vertx = Vertx.vertx();
    LedgerServer server = new LedgerServer(sequencer, s.host(), s.port(), s.limits(), s.cors());
    try {
      if (network != null && StorageCommittee.ensure(sequencer, key, network)) {
        LOG.info("event=ledger_storage_committee_recorded nodes={} quorum={}", network.n(), network.quorum());
      }
      vertx.deployVerticle(server).await(SERVER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      stop(vertx, sequencer, key);
      if (e instanceof BindException lost) {
        // the port was free at the check and taken before the bind
        throw new IOException("port: " + s.host() + ":" + s.port() + " cannot be listened on: " + lost.getMessage(),
            lost);
      }
      throw e;
    }
    Termination.onSignal(LedgerSettings.PART, () -> stop(vertx, sequencer, key));
    LOG.info("event=ledger_serving ledger={} url=http://{}:{} height={} clockOffset={}", s.ledgerId(), s.host(),
        server.port(), sequencer.head().height(), ConfigText.duration(s.clockOffset()));
  }

  /** Refuses new requests (the server closes), then closes the sequencer, whose journal is fsynced per block. */
  private static void stop(Vertx vertx, Sequencer sequencer, Identity key) {
    try {
      vertx.close().await(SERVER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("event=ledger_http_close_failed reason=\"{}\"", e.toString());
    }
    try {
      sequencer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      key.destroy();
    }
  }
}
