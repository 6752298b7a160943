package io.cachet.cli.keyserver;

import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
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

/** A real embedded ledger on loopback for a key server process to follow: a sequencer behind its HTTP server. */
final class LoopbackLedger implements AutoCloseable {
  static final String LEDGER = "cachet-test";
  /** Heartbeat blocks come this often, so ledger time keeps up with the clock. */
  private static final Duration HEARTBEAT = Duration.ofMillis(200);

  private final Vertx vertx;
  private final Identity key = Identity.generate(new SecureRandom());
  private final Map<Address, Long> nonces = new HashMap<>();
  private final Sequencer sequencer;
  private final int port;
  private final String deployment;

  LoopbackLedger(Vertx vertx, Path dir) throws Exception {
    this.vertx = vertx;
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, HEARTBEAT, Clock.systemUTC()), key);
    LedgerServer server = new LedgerServer(sequencer, "127.0.0.1", 0);
    deployment = vertx.deployVerticle(server).await(30, TimeUnit.SECONDS);
    port = server.port();
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  VerifyingKey sequencerKey() {
    return key.verifyingKey();
  }

  long height() {
    return sequencer.head().height();
  }

  private void submit(Identity sender, Operation op) throws Exception {
    long nonce = nonces.getOrDefault(sender.address(), 0L);
    sequencer.submit(Transaction.sign(sender, sequencer.ledger(), nonce, op)).get(30, TimeUnit.SECONDS);
    nonces.put(sender.address(), nonce + 1);
  }

  PolicyId allowList(Identity owner, Address member) throws Exception {
    long nonce = nonces.getOrDefault(owner.address(), 0L);
    submit(owner, new Operation.CreateAllowList());
    PolicyId id = LedgerState.policyIdFor(sequencer.ledger(), owner.address(), nonce);
    submit(owner, new Operation.AddMember(id, member, Window.ALWAYS));
    return id;
  }

  @Override
  public void close() throws Exception {
    vertx.undeploy(deployment).await(30, TimeUnit.SECONDS);
    sequencer.close();
  }
}
