package io.cachet.cli.keyserver;

import io.cachet.cli.ExitCodes;
import io.cachet.cli.Invocation;
import io.cachet.cli.serve.ServeOptions;
import io.cachet.common.process.Termination;
import io.cachet.crypto.WrongPassphraseException;
import io.cachet.keyserver.KeyServer;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.keyserver.KeyServerFiles;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cachet keyserver serve}: runs one key server until SIGTERM or SIGINT, then stops it
 * cleanly (new requests refused, requests in flight answered and their audit records forced, files
 * closed) and exits 0. Every start-up check runs before the keys are touched; {@code --check}
 * runs them and stops there.
 */
@Command(
    name = "serve",
    description = {"Run a key server until SIGTERM or SIGINT.",
        "Settings come from --config FILE, then CACHET_KEYSERVER_* variables, then --set KEY=VALUE. The key"
            + " passphrase comes from the variable passphrase-env names, or from passphrase-file (mode 0600)."},
    footer = {"", "Exit codes: 0 stopped cleanly (or --check passed), 2 bad configuration",
        "(the message names the key), 3 wrong passphrase, 4 a file, the port or", "the network failed.", "",
        "Examples:", "  cachet keyserver serve --config /etc/cachet/ks-1.conf",
        "  cachet keyserver serve --config ks-1.conf --set port=7401 --check",
        "  cachet keyserver serve --config ks-1.conf --print-config"})
final class KeyServerServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(KeyServerServeCommand.class);
  /** The part's name in its log events and in SIGTERM handling. */
  static final String PART = "keyserver";
  /** Longest a start may take: Argon2id, the audit log's replay and the ledger's first answer. */
  private static final long START_BOUND_MINUTES = 5;

  @Spec CommandSpec spec;
  @Mixin ServeOptions options;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    KeyServerConfig config = load(options);
    if (options.printConfig()) {
      out.print(config.render());
      out.flush();
      return ExitCodes.OK;
    }
    KeyServerStartChecks.files(config);
    KeyServerStartChecks.port(config);
    char[] passphrase = passphrase(config);
    if (options.check()) {
      try {
        int versions = KeyServerFiles.unlock(config, passphrase);
        out.println("ok: server " + config.serverId() + " would start on " + config.host() + ":" + config.port()
            + (versions == 0 ? " with new keys (no key file yet)" : " with " + versions + " key version(s)"));
        return ExitCodes.OK;
      } finally {
        Arrays.fill(passphrase, '\0');
      }
    }
    serve(config, passphrase);
    return ExitCodes.OK;
  }

  /** The key server's configuration through the one loader: {@code CACHET_KEYSERVER_*} between file and flags. */
  static KeyServerConfig load(ServeOptions options) throws IOException {
    return KeyServerConfig.from(options.load(KeyServerConfig.PART, KeyServerConfig.KEYS));
  }

  static char[] passphrase(KeyServerConfig config) {
    try {
      return KeyServerFiles.passphrase(config, Invocation.current().environment());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the server and blocks; the signal handler stops it and exits the process. */
  private static void serve(KeyServerConfig config, char[] passphrase) throws Exception {
    ServeOptions.logEvents();
    Vertx vertx = Vertx.vertx();
    KeyServer server;
    try {
      server = KeyServer.start(vertx, config, passphrase, config.clock()).await(START_BOUND_MINUTES, TimeUnit.MINUTES);
    } catch (Exception e) {
      vertx.close();
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof WrongPassphraseException w) {
        throw w;
      }
      if (cause instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw e;
    } finally {
      Arrays.fill(passphrase, '\0');
    }
    Termination.onSignal(PART, () -> {
      try {
        server.closeAndWait();
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("the key server did not stop cleanly: " + e, e);
      }
    });
    LOG.info("event=keyserver_serving server={} url=http://{}:{} ledger={} key_version={} chain={}",
        config.serverId(), hostForUrl(config.host()), server.port(), ledgerName(config),
        server.descriptor().keyVersion(), config.chain());
    new CountDownLatch(1).await(); // until the signal handler exits the process
  }

  private static String hostForUrl(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private static String ledgerName(KeyServerConfig config) {
    return config.evm() == null ? config.ledgerId() : "evm:" + config.evm().chainId();
  }
}
