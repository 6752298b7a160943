package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real sequencer behind a real HTTP server on loopback, a real follower pulling from it. */
class LedgerNetworkTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String LEDGER = "cachet-test";

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final Identity sequencerKey = Identity.generate(RANDOM);
  private Sequencer sequencer;
  private LedgerServer server;

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    if (sequencer != null) {
      sequencer.close();
    }
  }

  private String startLedger(int port) throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, Duration.ofMillis(200), Clock.systemUTC()),
        sequencerKey);
    server = new LedgerServer(sequencer, "127.0.0.1", port);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + server.port();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(10, TimeUnit.SECONDS);
  }

  @Test
  void follower_seesGrantAndRevocation_andSurvivesLedgerRestart() throws Exception {
    String url = startLedger(0);
    int port = server.port();
    Follower follower = Follower.start(vertx, new Follower.Config(url, LEDGER, sequencerKey.verifyingKey(),
        Duration.ofSeconds(1), Clock.systemUTC()));
    LedgerClient client = new LedgerClient(vertx, url);
    Identity alice = Identity.generate(RANDOM);
    Identity bob = Identity.generate(RANDOM);

    Sequencer.Committed created = await(client.submit(Transaction.sign(alice, sequencer.ledger(), 0, new Operation.CreateAllowList())));
    PolicyId id = LedgerState.policyIdFor(sequencer.ledger(), alice.address(), 0);
    Sequencer.Committed granted = await(client.submit(Transaction.sign(alice, sequencer.ledger(), 1,
        new Operation.AddMember(id, bob.address(), Window.ALWAYS))));
    assertThat(granted.height()).isGreaterThan(created.height());

    follower.awaitHeight(granted.height()).get(5, TimeUnit.SECONDS);
    Decision d = follower.evaluate(id, bob.address());
    assertThat(d.allowed()).isTrue();
    assertThat(d.height()).isGreaterThanOrEqualTo(granted.height());
    assertThat(await(client.policy(id)).version()).isEqualTo(2);

    // restart the ledger on the same port and directory: it replays its journal, the follower resumes
    vertx.undeploy(vertx.deploymentIDs().iterator().next()).await(10, TimeUnit.SECONDS);
    sequencer.close();
    long before = follower.view().height();
    startLedger(port);
    assertThat(sequencer.head().height()).isGreaterThanOrEqualTo(granted.height());
    Sequencer.Committed revoked = await(client.submit(Transaction.sign(alice, sequencer.ledger(), 2,
        new Operation.RemoveMember(id, bob.address()))));
    follower.awaitHeight(revoked.height()).get(10, TimeUnit.SECONDS);
    assertThat(follower.evaluate(id, bob.address()).reason()).isEqualTo(Reason.NOT_A_MEMBER);
    assertThat(follower.view().height()).isGreaterThan(before);
    assertThat(follower.status().halted()).isFalse();

    // a replay of an old transaction is refused with its reason
    Transaction replay = Transaction.sign(alice, sequencer.ledger(), 1, new Operation.AddMember(id, bob.address(), Window.ALWAYS));
    assertThatThrownBy(() -> await(client.submit(replay)))
        .isInstanceOfSatisfying(TransactionRefusedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_NONCE));
    follower.close();
    client.close();
  }
}
