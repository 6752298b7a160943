package io.cachet.bench;

import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Requester;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.policy.Follower;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.PolicyLedger;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.Window;
import io.cachet.policy.server.LedgerServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The embedded ledger (sequencer, its HTTP server, a follower) as a {@link DecisionRig}: the reference. */
final class EmbeddedRig extends DecisionRig {
  private static final String LEDGER = "cachet-bench";
  /** How long a follower's long poll of the ledger waits for a new block. */
  private static final Duration POLL_WAIT = Duration.ofSeconds(10);

  private final Identity sequencerKey = Identity.generate(RANDOM);
  private final Identity owner = Identity.generate(RANDOM);
  private final AtomicLong nonce = new AtomicLong();
  private final Sequencer sequencer;
  private final LedgerServer ledgerServer;
  private final Follower follower;
  private final PolicyId list;

  EmbeddedRig(Path dir) throws Exception {
    super(dir);
    sequencer = Sequencer.open(Sequencer.Config.defaults(dir.resolve("ledger"), LEDGER), sequencerKey);
    ledgerServer = new LedgerServer(sequencer, "127.0.0.1", 0);
    vertx.deployVerticle(ledgerServer).await(10, TimeUnit.SECONDS);
    list = LedgerState.policyIdFor(sequencer.ledger(), owner.address(), 0);
    submit(new Operation.CreateAllowList()).get(10, TimeUnit.SECONDS);
    follower = Follower.start(vertx, new Follower.Config(ledgerUrl(), LEDGER, sequencerKey.verifyingKey(), POLL_WAIT,
        Clock.systemUTC()));
  }

  private String ledgerUrl() {
    return "http://127.0.0.1:" + ledgerServer.port();
  }

  private CompletableFuture<Long> submit(Operation op) {
    return sequencer.submit(Transaction.sign(owner, sequencer.ledger(), nonce.getAndIncrement(), op))
        .thenApply(Sequencer.Committed::height);
  }

  @Override
  String name() {
    return "embedded";
  }

  @Override
  String envelopeLedgerId() {
    return LEDGER;
  }

  @Override
  PolicyId policy() {
    return list;
  }

  @Override
  PolicyLedger ledger() {
    return follower;
  }

  /** Waits until the in-process follower has applied {@code height}. */
  void awaitFollower(long height) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (follower.view().height() < height && System.nanoTime() < end) {
      Thread.sleep(10);
    }
  }

  @Override
  Requester newRequester() {
    return Identity.generate(RANDOM);
  }

  @Override
  long grant(Address who) throws Exception {
    return submit(new Operation.AddMember(list, who, Window.ALWAYS)).get(10, TimeUnit.SECONDS);
  }

  @Override
  CompletableFuture<Long> revoke(Address who) {
    return submit(new Operation.RemoveMember(list, who));
  }

  @Override
  long head() {
    return sequencer.head().height();
  }

  @Override
  KeyServerConfig serverConfig(String id) {
    return KeyServerConfig.defaults(id, dir.resolve(id), ledgerUrl(), LEDGER, sequencerKey.verifyingKey());
  }

  @Override
  public void close() throws Exception {
    follower.close();
    super.close();
    sequencer.close();
  }
}
