package io.cachet.client.behaviour;

import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.PolicyChains;
import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Requester;
import io.cachet.keyserver.KeyServer;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.policy.PolicyChain;
import io.cachet.storage.local.LocalNetwork;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A whole network of real servers on loopback for the behaviour suite, on one ledger or the other:
 * the ledger, three key servers (threshold 2) following it, and a 7-node local storage network.
 * Every server that reads time (the sequencer or anvil's next block, the key servers, the
 * clients) reads it from one {@link SettableClock}, so a story sets time exactly and never sleeps.
 *
 * <p>Parties act through the public seam alone ({@link PolicyChains#open} and {@link
 * CachetClient#open(ClientConfig, PolicyChain, Requester, java.time.Clock, Path)}), so a story runs
 * the same calls on either ledger.
 */
public abstract class BehaviourNetwork implements AutoCloseable {
  /** Who acts in a story. */
  enum Party { OWNER, ADMIN, STRANGER, READER, OTHER }

  /** Key servers in the network. */
  static final int KEY_SERVERS = 3;
  /** Shares a reader needs. */
  static final int THRESHOLD = 2;
  /** How long any wait for a server may take before the test fails. */
  static final long WAIT_SECONDS = 30;
  static final char[] PASSPHRASE = "behaviour suite passphrase".toCharArray();
  /** Key-server settings every test server shares: no rate limits, cheap KDF, small thread pools. */
  static final Map<String, String> TEST_SETTINGS = Map.of("port", "0", "rate-limit-ip", "0",
      "rate-limit-requester", "0", "worker-threads", "2", "kdf-memory", "64", "kdf-iterations", "1",
      "ledger-wait", "10s");

  final Path dir;
  final Vertx vertx = Vertx.vertx();
  /** The one clock of the network; a settable one starts a little past the wall clock, in whole seconds. */
  final StoryClock clock;
  final List<KeyServer> keyServers = new ArrayList<>();
  final List<KeyServerConfig> keyServerConfigs = new ArrayList<>();
  LocalNetwork storage;
  private final Map<Party, PolicyChain> chains = new EnumMap<>(Party.class);

  BehaviourNetwork(Path dir, boolean liveClock) {
    this.dir = dir;
    this.clock = liveClock ? StoryClock.live()
        : StoryClock.settable((System.currentTimeMillis() / 1000 + 10) * 1000);
  }

  void startStorage() throws Exception {
    storage = LocalNetwork.start(vertx, dir.resolve("storage"),
        LocalNetwork.Options.defaults().withNodes(7, 64 * 1024).withIntervals(0, 0))
        .await(60, TimeUnit.SECONDS);
  }

  void startKeyServers() throws Exception {
    for (int i = 1; i <= KEY_SERVERS; i++) {
      keyServerConfigs.add(keyServerConfig(i).with(TEST_SETTINGS));
      keyServers.add(null);
      startKeyServer(i);
    }
  }

  /** Starts key server {@code i} (1-based), on its old port if it ran before. */
  void startKeyServer(int i) throws Exception {
    KeyServerConfig c = keyServerConfigs.get(i - 1);
    KeyServer old = keyServers.get(i - 1);
    if (old != null) {
      c = c.with("port", Integer.toString(old.port()));
    }
    keyServers.set(i - 1, KeyServer.start(vertx, c, PASSPHRASE.clone(), clock).await(WAIT_SECONDS, TimeUnit.SECONDS));
  }

  /** Key server {@code i}'s configuration, before the test settings. */
  abstract KeyServerConfig keyServerConfig(int i) throws Exception;

  /** The descriptor's ledger part: the {@code "ledger"} or {@code "chain"} member, with its trailing comma. */
  abstract String ledgerPart();

  /** The party's identity, as it signs requests and (for writers) transactions. */
  abstract Requester requester(Party who);

  /**
   * Moves time to exactly {@code epochMillis} (whole seconds, never backwards): the network's clock,
   * and a block stamped then that every key server has applied before this returns.
   */
  abstract void at(long epochMillis) throws Exception;

  /** Confirmations key servers wait for: they decide at the head less this. */
  abstract long confirmations();

  /**
   * The one place the two ledgers differ for the suite: the unit of time a window or unlock time is
   * held in. The embedded ledger holds milliseconds; an EVM chain holds block time in seconds
   * (start rounded up, end rounded down). The stories use whole seconds, so both decide alike.
   */
  abstract long timeUnitMillis();

  Address address(Party who) {
    return requester(who).address();
  }

  /** The party's chain for writes; kept open until {@link #close}. */
  synchronized PolicyChain chainAs(Party who) throws Exception {
    PolicyChain c = chains.get(who);
    if (c == null) {
      c = PolicyChains.open(config(), requester(who));
      chains.put(who, c);
    }
    return c;
  }

  /** A new client acting as {@code who}, with no cached keys; the caller closes it. */
  CachetClient clientAs(Party who) throws Exception {
    Requester r = requester(who);
    PolicyChain chain = PolicyChains.open(config(), r);
    try {
      return CachetClient.open(config(), chain, r, clock, null);
    } catch (RuntimeException e) {
      chain.close();
      throw e;
    }
  }

  /**
   * Waits until every key server decides on the newest block: the clock is brought up to that
   * block's time (key servers hold blocks stamped ahead of their clock), then each key server has
   * applied the head less its confirmations.
   */
  void settle() throws Exception {
    PolicyChain.Head head = chainAs(Party.OWNER).head();
    if (!clock.isLive() && head.timeMillis() > clock.millis()) {
      clock.set(head.timeMillis());
    }
    long decided = Math.max(0, head.height() - confirmations());
    for (KeyServer s : keyServers) {
      s.awaitLedgerHeight(decided).await(WAIT_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** A time well past every block so far, in whole seconds, with a block stamped then: a story's start. */
  long freshTime() throws Exception {
    long start = (Math.max(clock.millis(), chainAs(Party.OWNER).head().timeMillis()) / 1000 + 1000) * 1000;
    at(start);
    return start;
  }

  /** The network descriptor a user of this network would be given. */
  public ClientConfig config() throws Exception {
    StringBuilder servers = new StringBuilder();
    for (KeyServer s : keyServers) {
      if (servers.length() > 0) {
        servers.append(",");
      }
      servers.append("{\"id\":\"").append(s.serverId()).append("\",\"url\":\"http://127.0.0.1:").append(s.port())
          .append("\",\"signingKey\":\"").append(Base64Url.encode(s.descriptor().verifyingKey().bytes()))
          .append("\"}");
    }
    return ClientConfig.parse("{\"format\":\"cachet-network/1\"," + ledgerPart()
        + "\"keyServers\":{\"threshold\":" + THRESHOLD + ",\"servers\":[" + servers + "]},"
        + "\"storage\":{\"publisher\":\"" + storage.gatewayUrl() + "\",\"aggregator\":\"" + storage.gatewayUrl()
        + "\",\"epochs\":3}}");
  }

  /** Stops every server of the network. */
  @Override
  public void close() throws Exception {
    for (PolicyChain c : chains.values()) {
      c.close();
    }
    for (KeyServer s : keyServers) {
      if (s != null) {
        try {
          s.closeAndWait();
        } catch (Exception e) {
          // stopped by the test already
        }
      }
    }
    if (storage != null) {
      storage.close().await(WAIT_SECONDS, TimeUnit.SECONDS);
    }
    closeLedger();
    vertx.close().await(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  abstract void closeLedger() throws Exception;
}
