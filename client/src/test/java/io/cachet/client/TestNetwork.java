package io.cachet.client;

import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.ServerLimits;
import io.cachet.crypto.Identity;
import io.cachet.crypto.VerifyingKey;
import io.cachet.keyserver.KeyServer;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.policy.Sequencer;
import io.cachet.policy.server.LedgerServer;
import io.cachet.storage.local.LocalNetwork;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A whole network of real servers on loopback for the client's tests: a ledger (sequencer, journal
 * and HTTP server), three key servers with threshold 2 following it, and a 7-node local storage
 * network with its gateway. Writes the network descriptor the client reads. Pages of the origins
 * given to {@link #TestNetwork(Path, CorsPolicy)} may call the key servers, the gateway and the
 * ledger from a browser; by default none.
 */
public final class TestNetwork implements AutoCloseable {
  static final String LEDGER = "cachet-client-test";
  static final int THRESHOLD = 2;
  static final char[] PASSPHRASE = "test passphrase".toCharArray();

  final Vertx vertx = Vertx.vertx();
  final Path dir;
  private final Identity sequencerKey = Identity.generate(new SecureRandom());
  private Sequencer sequencer;
  private String ledgerDeployment;
  private int ledgerPort;
  final List<KeyServer> keyServers = new ArrayList<>();
  private final List<KeyServerConfig> keyServerConfigs = new ArrayList<>();
  final LocalNetwork storage;
  private final CorsPolicy cors;

  public TestNetwork(Path dir) throws Exception {
    this(dir, CorsPolicy.off());
  }

  /** A network whose key servers, gateway and ledger let pages of {@code cors}'s origins in ({@code cors-origins}). */
  public TestNetwork(Path dir, CorsPolicy cors) throws Exception {
    this.dir = dir;
    this.cors = cors;
    startLedger();
    for (int i = 1; i <= 3; i++) {
      KeyServerConfig c = KeyServerConfig.defaults("ks-" + i, dir.resolve("ks-" + i), ledgerUrl(), LEDGER,
          sequencerKey.verifyingKey()).with(Map.of("port", "0", "ledger-poll-wait", "1s", "rate-limit-ip", "0",
          "rate-limit-requester", "0", "worker-threads", "2", "kdf-memory", "64", "kdf-iterations", "1",
          CorsPolicy.KEY, cors.render()));
      keyServerConfigs.add(c);
      keyServers.add(null);
      startKeyServer(i);
    }
    storage = LocalNetwork.start(vertx, dir.resolve("storage"),
        LocalNetwork.Options.defaults().withNodes(7, 64 * 1024).withIntervals(0, 0).withCors(cors))
        .await(60, TimeUnit.SECONDS);
  }

  private void startLedger() throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir.resolve("ledger"), LEDGER, Duration.ofMillis(200),
        Clock.systemUTC()), sequencerKey);
    LedgerServer server = new LedgerServer(sequencer, "127.0.0.1", ledgerPort, ServerLimits.defaults(), cors);
    ledgerDeployment = vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    ledgerPort = server.port();
  }

  /** The ledger's id and genesis digest. */
  io.cachet.policy.LedgerRef ledger() {
    return sequencer.ledger();
  }

  String ledgerUrl() {
    return "http://127.0.0.1:" + ledgerPort;
  }

  /** Starts key server {@code i} (1-based), on its old port if it ran before. */
  void startKeyServer(int i) throws Exception {
    KeyServerConfig c = keyServerConfigs.get(i - 1);
    KeyServer old = keyServers.get(i - 1);
    if (old != null) {
      c = c.with("port", Integer.toString(old.port()));
    }
    KeyServer s = KeyServer.start(vertx, c, PASSPHRASE.clone(), Clock.systemUTC()).await(30, TimeUnit.SECONDS);
    s.awaitLedgerHeight(sequencer.head().height()).await(15, TimeUnit.SECONDS);
    keyServers.set(i - 1, s);
  }

  /**
   * Restarts key server {@code i} following the ledger through a proxy on loopback that holds every
   * ledger answer for {@code delay} before passing it on (a zero delay follows the ledger directly
   * again): its view of the ledger then runs that far behind the ledger's head.
   */
  private record ProxiedAnswer(int status, String contentType, Buffer body) {}

  void followLedgerWithDelay(int i, Duration delay) throws Exception {
    String url = ledgerUrl();
    if (!delay.isZero()) {
      io.vertx.core.http.HttpClient client = vertx.createHttpClient();
      io.vertx.core.http.HttpServer proxy = vertx.createHttpServer().requestHandler(req -> req.body()
          .compose(body -> client.request(req.method(), ledgerPort, "127.0.0.1", req.uri())
              .compose(out -> out.send(body))
              .compose(in -> in.body().map(b -> new ProxiedAnswer(in.statusCode(), in.getHeader("content-type"), b))))
          .onComplete(ar -> vertx.setTimer(delay.toMillis(), t -> {
            if (ar.failed()) {
              req.response().setStatusCode(502).end();
              return;
            }
            ProxiedAnswer answer = ar.result();
            req.response().setStatusCode(answer.status());
            if (answer.contentType() != null) {
              req.response().putHeader("content-type", answer.contentType());
            }
            req.response().end(answer.body());
          }))).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      url = "http://127.0.0.1:" + proxy.actualPort();
    }
    keyServerConfigs.set(i - 1, keyServerConfigs.get(i - 1).with("ledger-url", url));
    stopKeyServer(i);
    startKeyServer(i);
  }

  /**
   * A switch between one key server's follower and the ledger: answers pass through until
   * {@link #hold}, then every poll is answered 503 and the follower stays where it is, until
   * {@link #release}. {@link #close} has the server follow the ledger directly again.
   */
  final class LedgerHold implements AutoCloseable {
    private final int server;
    private final KeyServerConfig before;
    private final AtomicBoolean held;
    private final HttpServer proxy;

    private LedgerHold(int server, KeyServerConfig before, AtomicBoolean held, HttpServer proxy) {
      this.server = server;
      this.before = before;
      this.held = held;
      this.proxy = proxy;
    }

    void hold() {
      held.set(true);
    }

    void release() {
      held.set(false);
    }

    @Override
    public void close() throws Exception {
      keyServerConfigs.set(server - 1, before.with("port", Integer.toString(keyServers.get(server - 1).port())));
      stopKeyServer(server);
      startKeyServer(server);
      proxy.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Restarts key server {@code i} following the ledger through a {@link LedgerHold}, waiting
   * {@code ledgerWait} for the heights requests sign.
   */
  LedgerHold holdableLedger(int i, Duration ledgerWait) throws Exception {
    KeyServerConfig before = keyServerConfigs.get(i - 1);
    HttpClient client = vertx.createHttpClient();
    AtomicBoolean held = new AtomicBoolean();
    HttpServer proxy = vertx.createHttpServer().requestHandler(req -> {
      if (held.get()) {
        req.response().setStatusCode(503).end();
        return;
      }
      req.body().compose(body -> client.request(req.method(), ledgerPort, "127.0.0.1", req.uri())
              .compose(out -> out.send(body))
              .compose(in -> in.body().map(b -> new ProxiedAnswer(in.statusCode(), in.getHeader("content-type"), b))))
          .onComplete(ar -> {
            if (ar.failed() || held.get()) {
              req.response().setStatusCode(503).end();
              return;
            }
            ProxiedAnswer answer = ar.result();
            req.response().setStatusCode(answer.status());
            if (answer.contentType() != null) {
              req.response().putHeader("content-type", answer.contentType());
            }
            req.response().end(answer.body());
          });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    LedgerHold hold = new LedgerHold(i, before, held, proxy);
    keyServerConfigs.set(i - 1, before.with(Map.of("ledger-url", "http://127.0.0.1:" + proxy.actualPort(),
        "ledger-wait", ledgerWait.toMillis() + "ms")));
    stopKeyServer(i);
    startKeyServer(i);
    return hold;
  }

  void stopKeyServer(int i) throws Exception {
    keyServers.get(i - 1).closeAndWait();
  }

  /** Waits until every running key server has applied the ledger's current head; stopped ones are skipped. */
  public void keyServersCaughtUp() throws Exception {
    awaitHead(false);
  }

  /**
   * Waits until every key server's follower has applied the ledger's current head, and fails if
   * one does not: from then on each of them decides by the state that head left.
   */
  public void allKeyServersAtHead() throws Exception {
    awaitHead(true);
  }

  private void awaitHead(boolean strict) throws Exception {
    long h = sequencer.head().height();
    for (KeyServer s : keyServers) {
      try {
        s.awaitLedgerHeight(h).await(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (strict) {
          throw e;
        }
        // a stopped server does not catch up; the test stopped it
      }
    }
  }

  /** The descriptor as a user would write it; {@code pins} replaces key servers' signing keys (forgery tests). */
  String descriptor(Map<String, VerifyingKey> pins) {
    return descriptor(pins, Map.of());
  }

  /** As {@link #descriptor(Map)}, with {@code ports} replacing key servers' ports (hostile servers in front). */
  String descriptor(Map<String, VerifyingKey> pins, Map<String, Integer> ports) {
    StringBuilder servers = new StringBuilder();
    for (KeyServer s : keyServers) {
      VerifyingKey key = pins.getOrDefault(s.serverId(), s.descriptor().verifyingKey());
      if (servers.length() > 0) {
        servers.append(",");
      }
      servers.append("{\"id\":\"").append(s.serverId()).append("\",\"url\":\"http://127.0.0.1:")
          .append(ports.getOrDefault(s.serverId(), s.port()))
          .append("\",\"signingKey\":\"").append(io.cachet.crypto.Base64Url.encode(key.bytes())).append("\"}");
    }
    return "{\"format\":\"cachet-network/1\",\"ledger\":{\"url\":\"" + ledgerUrl() + "\",\"ledgerId\":\"" + LEDGER
        + "\",\"sequencerKey\":\"" + io.cachet.crypto.Base64Url.encode(sequencerKey.verifyingKey().bytes())
        + "\"},\"keyServers\":{\"threshold\":" + THRESHOLD + ",\"servers\":[" + servers + "]},"
        + "\"storage\":{\"publisher\":\"" + storage.gatewayUrl() + "\",\"aggregator\":\"" + storage.gatewayUrl()
        + "\",\"epochs\":3},\"comment\":\"unknown fields are ignored\"}";
  }

  public ClientConfig config() throws Exception {
    Path file = dir.resolve("cachet-network.json");
    Files.writeString(file, descriptor(Map.of()));
    return ClientConfig.load(file);
  }

  ClientConfig config(Map<String, VerifyingKey> pins) throws Exception {
    return ClientConfig.parse(descriptor(pins));
  }

  URI gateway() {
    return URI.create(storage.gatewayUrl());
  }

  @Override
  public void close() throws Exception {
    for (KeyServer s : keyServers) {
      try {
        s.closeAndWait();
      } catch (Exception e) {
        // stopped by the test already
      }
    }
    storage.close().await(30, TimeUnit.SECONDS);
    vertx.undeploy(ledgerDeployment).await(10, TimeUnit.SECONDS);
    sequencer.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
