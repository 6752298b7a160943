package io.cachet.bench;

import io.cachet.crypto.Address;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Requester;
import io.cachet.crypto.SealParameters;
import io.cachet.keyserver.KeyServer;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.policy.PolicyLedger;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One ledger (embedded or EVM) with one allow-list policy, an in-process reader of that ledger and
 * {@code n} real key servers following it, configured alike whichever the chain, so that a figure
 * measured on both differs only in where decisions come from.
 */
abstract class DecisionRig implements AutoCloseable {
  static final SecureRandom RANDOM = new SecureRandom();
  /** Key-server settings of every bench server: no rate limits, a cheap key-file KDF. */
  static final Map<String, String> SERVER_SETTINGS = Map.of("port", "0", "rate-limit-ip", "0",
      "rate-limit-requester", "0", "request-window", "10m", "max-in-flight", "100000", "replay-cache-size", "5000000",
      "kdf-memory", "65536", "kdf-iterations", "1", "ledger-wait", "10s");
  /** A system property that sets every bench key server's worker-threads (default: the key server's). */
  static final String WORKER_THREADS_PROPERTY = "cachet.bench.workerThreads";
  static final char[] PASSPHRASE = "bench passphrase".toCharArray();

  final Vertx vertx = Vertx.vertx();
  final Path dir;
  final List<KeyServer> servers = new ArrayList<>();

  DecisionRig(Path dir) {
    this.dir = dir;
  }

  /** "embedded" or "evm". */
  abstract String name();

  /** The ledger id envelopes under {@link #policy()} name. */
  abstract String envelopeLedgerId();

  abstract PolicyId policy();

  /** The in-process reader of the ledger (the one a key server consults). */
  abstract PolicyLedger ledger();

  /** A new identity of this ledger's kind, able to certify sessions. */
  abstract Requester newRequester();

  /** Adds {@code who} to the allow-list; returns the height that holds the grant. */
  abstract long grant(Address who) throws Exception;

  /** Submits the revocation of {@code who}; completes once it is in a block. */
  abstract CompletableFuture<Long> revoke(Address who);

  /** The ledger's newest height (the one a key server reaches at 0 confirmations). */
  abstract long head() throws Exception;

  /** The key-server config of server {@code id}, before the bench settings. */
  abstract KeyServerConfig serverConfig(String id);

  /** Starts {@code n} key servers ks-1..ks-n. */
  void startServers(int n) throws Exception {
    for (int i = 1; i <= n; i++) {
      String id = "ks-" + i;
      KeyServerConfig config = serverConfig(id).with(SERVER_SETTINGS);
      String workers = System.getProperty(WORKER_THREADS_PROPERTY);
      if (workers != null) {
        config = config.with(Map.of("worker-threads", workers));
      }
      servers.add(KeyServer.start(vertx, config, PASSPHRASE.clone(), java.time.Clock.systemUTC())
          .await(60, TimeUnit.SECONDS));
    }
  }

  List<String> serverIds() {
    return servers.stream().map(KeyServer::serverId).toList();
  }

  /** Waits until every key server has reached {@code height}. */
  void awaitServers(long height) throws Exception {
    for (KeyServer s : servers) {
      s.awaitLedgerHeight(height).await(60, TimeUnit.SECONDS);
    }
  }

  /** A 64-byte envelope under the policy, one slot per key server (slot i+1 for server i), threshold 1. */
  EnvelopeHeader seal() throws Exception {
    List<KeyServerKey> keys = servers.stream().map(s -> new KeyServerKey(s.serverId(), s.descriptor().hpkePublicKey()))
        .toList();
    byte[] plain = new byte[64];
    return Envelope.seal(new SealParameters(envelopeLedgerId(), policy(), 1, keys), new ByteArrayInputStream(plain),
        plain.length, new ByteArrayOutputStream(), RANDOM);
  }

  @Override
  public void close() throws Exception {
    for (KeyServer s : servers) {
      s.closeAndWait();
    }
    vertx.close().await(30, TimeUnit.SECONDS);
  }
}
