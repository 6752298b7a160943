package io.cachet.keyserver;

import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.Window;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real embedded ledger on loopback: a sequencer with its journal, behind its HTTP server. */
final class TestLedger {
  static final String LEDGER = "cachet-test";
  static final String HOST = "127.0.0.1";
  /** Heartbeat blocks come this often, so ledger time keeps up with the clock. */
  static final Duration HEARTBEAT = Duration.ofMillis(100);

  private final Vertx vertx;
  private final Path dir;
  private final Clock clock;
  private final Identity key = Identity.generate(new SecureRandom());
  private final Map<Address, Long> nonces = new HashMap<>();
  private Sequencer sequencer;
  private String deployment;
  private int port;

  TestLedger(Vertx vertx, Path dir, Clock clock) throws Exception {
    this.vertx = vertx;
    this.dir = dir;
    this.clock = clock;
    start();
  }

  /** Starts (or restarts, on the same port and journal) the sequencer and its server. */
  void start() throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, HEARTBEAT, clock), key);
    LedgerServer server = new LedgerServer(sequencer, HOST, port);
    deployment = vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    port = server.port();
  }

  /** Stops serving and sequencing; the journal stays for {@link #start}. */
  void stop() throws Exception {
    if (deployment != null) {
      vertx.undeploy(deployment).await(10, TimeUnit.SECONDS);
      deployment = null;
      sequencer.close();
    }
  }

  String url() {
    return "http://" + HOST + ":" + port;
  }

  /** This ledger's id and genesis digest. */
  LedgerRef ref() {
    return sequencer.ledger();
  }

  VerifyingKey sequencerKey() {
    return key.verifyingKey();
  }

  long height() {
    return sequencer.head().height();
  }

  long ledgerTime() {
    return sequencer.head().timestamp();
  }

  Sequencer.Committed submit(Identity sender, Operation op) throws Exception {
    long nonce = nonces.getOrDefault(sender.address(), 0L);
    Sequencer.Committed c = sequencer.submit(Transaction.sign(sender, sequencer.ledger(), nonce, op)).get(15, TimeUnit.SECONDS);
    nonces.put(sender.address(), nonce + 1);
    return c;
  }

  PolicyId createAllowList(Identity owner) throws Exception {
    long nonce = nonces.getOrDefault(owner.address(), 0L);
    submit(owner, new Operation.CreateAllowList());
    return LedgerState.policyIdFor(sequencer.ledger(), owner.address(), nonce);
  }

  PolicyId createTimeLock(Identity owner, long unlockAt) throws Exception {
    long nonce = nonces.getOrDefault(owner.address(), 0L);
    submit(owner, new Operation.CreateTimeLock(unlockAt));
    return LedgerState.policyIdFor(sequencer.ledger(), owner.address(), nonce);
  }

  Sequencer.Committed addMember(Identity owner, PolicyId policy, Address who, Window window) throws Exception {
    return submit(owner, new Operation.AddMember(policy, who, window));
  }

  Sequencer.Committed removeMember(Identity owner, PolicyId policy, Address who) throws Exception {
    return submit(owner, new Operation.RemoveMember(policy, who));
  }

  void close() throws Exception {
    stop();
  }
}
