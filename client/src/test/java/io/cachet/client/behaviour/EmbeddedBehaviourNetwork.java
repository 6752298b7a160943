package io.cachet.client.behaviour;

import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Requester;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.policy.Sequencer;
import io.cachet.policy.server.LedgerServer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The behaviour suite's network on the embedded ledger: a real sequencer stamping blocks by the
 * network's clock, its ledger server, and key servers following it.
 */
final class EmbeddedBehaviourNetwork extends BehaviourNetwork {
  static final String LEDGER = "cachet-behaviour";
  /** How soon the sequencer cuts an empty block once the clock has moved past its head. */
  private static final Duration HEARTBEAT = Duration.ofMillis(100);

  private final Identity sequencerKey = Identity.generate(new SecureRandom());
  private final Map<Party, Identity> parties = new EnumMap<>(Party.class);
  private Sequencer sequencer;
  private String deployment;
  private int ledgerPort;

  private EmbeddedBehaviourNetwork(Path dir) {
    super(dir, false);
    for (Party p : Party.values()) {
      parties.put(p, Identity.generate(new SecureRandom()));
    }
  }

  static EmbeddedBehaviourNetwork start(Path dir) throws Exception {
    EmbeddedBehaviourNetwork n = new EmbeddedBehaviourNetwork(dir);
    try {
      n.sequencer = Sequencer.open(new Sequencer.Config(dir.resolve("ledger"), LEDGER, HEARTBEAT, n.clock),
          n.sequencerKey);
      LedgerServer server = new LedgerServer(n.sequencer, "127.0.0.1", 0);
      n.deployment = n.vertx.deployVerticle(server).await(WAIT_SECONDS, TimeUnit.SECONDS);
      n.ledgerPort = server.port();
      n.startKeyServers();
      n.startStorage();
      n.settle();
      return n;
    } catch (Exception e) {
      n.close();
      throw e;
    }
  }

  private String ledgerUrl() {
    return "http://127.0.0.1:" + ledgerPort;
  }

  @Override
  KeyServerConfig keyServerConfig(int i) {
    return KeyServerConfig.defaults("ks-" + i, dir.resolve("ks-" + i), ledgerUrl(), LEDGER,
        sequencerKey.verifyingKey()).with("ledger-poll-wait", "1s");
  }

  @Override
  String ledgerPart() {
    return "\"ledger\":{\"url\":\"" + ledgerUrl() + "\",\"ledgerId\":\"" + LEDGER + "\",\"sequencerKey\":\""
        + Base64Url.encode(sequencerKey.verifyingKey().bytes()) + "\"},";
  }

  @Override
  Requester requester(Party who) {
    return parties.get(who);
  }

  @Override
  void at(long epochMillis) throws Exception {
    clock.set(epochMillis);
    // the sequencer cuts a heartbeat block stamped by the clock once it sees the clock moved
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (sequencer.head().timestamp() < epochMillis) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no block stamped " + epochMillis + " within " + WAIT_SECONDS + " s");
      }
      Thread.sleep(10);
    }
    settle();
  }

  @Override
  long confirmations() {
    return 0;
  }

  @Override
  long timeUnitMillis() {
    return 1;
  }

  @Override
  void closeLedger() throws Exception {
    if (deployment != null) {
      vertx.undeploy(deployment).await(WAIT_SECONDS, TimeUnit.SECONDS);
    }
    if (sequencer != null) {
      sequencer.close();
    }
  }
}
