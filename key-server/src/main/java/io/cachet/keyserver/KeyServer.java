package io.cachet.keyserver;

import io.cachet.common.http.ServerLimitsGuard;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Hex;
import io.cachet.crypto.WrongPassphraseException;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditLog;
import io.cachet.policy.PolicyLedger.LedgerView;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running key server: its keys, its ledger (the embedded ledger's follower or an EVM chain, see
 * {@link KeyServerLedger}), its audit log and its HTTP API.
 *
 * <p>Start one with {@link #start}: it opens (or on first start creates) its keys under the
 * passphrase, opens its audit log, starts following the ledger and listens. Time comes from the
 * clock passed in, which decides certificate and request validity and the staleness of the ledger
 * view, so tests move time without sleeping. {@link #close} stops listening, stops following and
 * writes out the audit log.
 *
 * <p>Threads: the event loops only route and write answers; key derivation, JSON, signatures and
 * HPKE run on the named worker pool {@code cachet-key-server-crypto}, whose queue is bounded in time
 * by {@code request-deadline} ({@link CryptoQueue}); the audit log has its own writer thread, to
 * which a worker hands its decision's events directly; the follower checks blocks on Vert.x's
 * ordered blocking tasks.
 */
public final class KeyServer {
  private static final Logger LOG = LoggerFactory.getLogger(KeyServer.class);

  /** The lock file that keeps two key servers (or a key rotation) off one data directory. */
  static final String LOCK_FILE = "key-server.lock";
  static final String AUDIT_FILE = "audit.log";
  /** Directory, inside the data directory, of the follower's stored blocks and state snapshot. */
  static final String LEDGER_DIR = "ledger";
  /** How often the replay cache and the rate limiters drop what they no longer need. */
  private static final long SWEEP_INTERVAL_MS = 10_000;

  private final Vertx vertx;
  private final KeyServerConfig config;
  private final Clock clock;
  private final KeyRing keys;
  private final AuditLog audit;
  private final FileChannel lockChannel;
  private final KeyServerLedger ledger;
  private final KeyServerMetrics metrics = new KeyServerMetrics();
  private final CryptoQueue cryptoQueue;
  private final CertificateCache certificates;
  private final RateLimiter perClient;
  private final ReplayCache replays;
  private final Releaser releaser;
  private final LedgerWaits ledgerWaits;
  private final AtomicInteger inFlight = new AtomicInteger();
  /** One guard for all HTTP instances, so the per-address counts are the server's, not a loop's. */
  private final ServerLimitsGuard limits;
  private final List<String> deployments = new ArrayList<>();
  private final long sweepTimer;
  private volatile ServiceDescriptor descriptor;
  private volatile int boundPort;

  /** What {@code GET /health} reports. */
  record Health(boolean serving, JsonObject json) {}

  private KeyServer(Vertx vertx, KeyServerConfig config, Clock clock, LongSupplier ticker, KeyRing keys,
      AuditLog audit, FileChannel lockChannel) throws IOException {
    this.vertx = vertx;
    this.config = config;
    this.clock = clock;
    this.keys = keys;
    this.audit = audit;
    this.lockChannel = lockChannel;
    // first: it may refuse to start (an EVM RPC of another chain) before anything else is opened
    this.ledger = KeyServerLedger.start(vertx, config, clock, config.dataDir().resolve(LEDGER_DIR));
    this.cryptoQueue = new CryptoQueue("cachet-key-server-crypto-" + config.serverId(), config.workerThreads(),
        config.requestDeadline(), ticker, metrics);
    this.certificates = new CertificateCache(clock);
    this.perClient = new RateLimiter(config.ipRate(), config.ipBurst(), System::nanoTime);
    RateLimiter perRequester = new RateLimiter(config.requesterRate(), config.requesterBurst(), System::nanoTime);
    this.replays = new ReplayCache(config.replayCacheSize());
    this.releaser = new Releaser(config.serverId(), keys, ledger.ledger(), clock, config.requestWindow(),
        config.stalenessBound(), replays, certificates, perRequester, metrics);
    this.ledgerWaits = new LedgerWaits(vertx, ledger);
    this.descriptor = describe();
    this.limits = new ServerLimitsGuard(vertx, config.limits(), "key-server " + config.serverId());
    this.sweepTimer = vertx.setPeriodic(SWEEP_INTERVAL_MS, id -> cryptoQueue.run(() -> {
      long now = System.nanoTime();
      replays.sweep(clock.millis());
      perClient.sweep(now);
      perRequester.sweep(now);
      return null;
    }));
    metrics.gauge("cachet_keyserver_ledger_height", "height of the newest block applied", () -> ledger.view()
        .height());
    metrics.gauge("cachet_keyserver_ledger_lag_seconds", "this server's clock minus the ledger time of its view",
        () -> ledger.view().height() < 0 ? Double.NaN : (clock.millis() - ledger.view().ledgerTime()) / 1000.0);
    metrics.gauge("cachet_keyserver_ledger_age_seconds", "this server's clock minus the older of its view's block time"
        + " and when it applied that block (the staleness measure)", () -> ledger.view().height() < 0 ? Double.NaN
        : ledger.view().ageMillis(clock.millis()) / 1000.0);
    metrics.gauge("cachet_keyserver_ledger_held", "1 while a block stamped ahead of this server's clock is held",
        () -> ledger.holding() ? 1 : 0);
    metrics.gauge("cachet_keyserver_ledger_stale", "1 while the view is too old and everything is refused",
        () -> releaser.stale(ledger.view(), clock.millis()) ? 1 : 0);
    metrics.gauge("cachet_keyserver_audit_records", "entries in the audit log", audit::records);
    metrics.counter("cachet_keyserver_audit_commits", "group commits of the audit log (one write and one force"
        + " each, in commit mode)", "mode", config.auditFsync().name().toLowerCase(java.util.Locale.ROOT), audit,
        AuditLog::commits);
    metrics.gauge("cachet_keyserver_key_version", "the HPKE key version new envelopes seal to",
        () -> keys.current().version());
    metrics.gauge("cachet_keyserver_in_flight", "fetch requests being decided", inFlight::get);
    metrics.gauge("cachet_keyserver_replay_ids", "request ids remembered against replay", replays::size);
    metrics.gauge("cachet_keyserver_worker_queue", "fetch requests waiting for a crypto worker", cryptoQueue::queued);
    metrics.gauge("cachet_keyserver_certificates_cached", "verified session certificates held", certificates::size);
    metrics.counter("cachet_keyserver_certificate_checks", "session certificates checked, in full or from the"
        + " cache of verified ones", "result", "verified", certificates, CertificateCache::verifications);
    metrics.counter("cachet_keyserver_certificate_checks", "session certificates checked, in full or from the"
        + " cache of verified ones", "result", "cached", certificates, CertificateCache::hits);
    metrics.gauge("cachet_keyserver_ledger_waits", "fetch requests waiting for the ledger height they signed",
        ledgerWaits::waiting);
    metrics.gauge("cachet_keyserver_connections", "HTTP connections open", limits::openConnections);
    metrics.gauge("cachet_keyserver_limit_refusals", "connections and requests refused by a per-address cap",
        () -> limits.refusedConnections() + limits.refusedRequests());
    metrics.gauge("cachet_keyserver_limit_timeouts", "connections closed at a head or body deadline",
        () -> limits.headTimeouts() + limits.bodyTimeouts());
  }

  /**
   * Starts a key server: keys and audit log on a worker (Argon2id takes a moment), then the
   * follower and the HTTP API, one verticle instance per event loop. The passphrase array is
   * cleared once the key-encryption key is derived.
   */
  public static Future<KeyServer> start(Vertx vertx, KeyServerConfig config, char[] passphrase, Clock clock) {
    return start(vertx, config, passphrase, clock, System::nanoTime);
  }

  /**
   * As {@link #start(Vertx, KeyServerConfig, char[], Clock)}, with the monotonic ticker (in
   * nanoseconds) that times waits for a worker against the request deadline; tests move it.
   */
  static Future<KeyServer> start(Vertx vertx, KeyServerConfig config, char[] passphrase, Clock clock,
      LongSupplier ticker) {
    return vertx.<KeyServer>executeBlocking(() -> {
      // private: it holds the keys and the audit log, which says who read what, and when
      DurableFiles.privateDirectory(config.dataDir());
      FileChannel lock = lockDataDir(config.dataDir());
      KeyRing keys = null;
      try {
        keys = KeyRing.openOrCreate(config.dataDir(), config.serverId(), passphrase, config.kdfMemoryKiB(),
            config.kdfIterations(), new SecureRandom());
        // the requests answered before a restart: the replay cache starts from them, so a request
        // captured before the restart is refused after it, however it was stamped
        long answeredSince = clock.millis() - 2 * config.requestWindow().toMillis();
        List<AuditEvent> answered = new ArrayList<>();
        AuditLog audit = AuditLog.open(config.dataDir().resolve(AUDIT_FILE),
            config.auditFsync() == KeyServerConfig.AuditFsync.COMMIT ? AuditLog.Fsync.COMMIT : AuditLog.Fsync.PERIODIC,
            config.auditFsyncInterval(), event -> {
              if (event.outcome() != AuditEvent.Outcome.REFUSED && event.requester() != null
                  && event.recordedAtMillis() >= answeredSince) {
                answered.add(event);
              }
            });
        audit.commitDelay(config.auditCommitDelay());
        KeyServer server = new KeyServer(vertx, config, clock, ticker, keys, audit, lock);
        server.rememberAnswered(answered);
        return server;
      } catch (IOException | WrongPassphraseException | RuntimeException e) {
        lock.close();
        throw e;
      } finally {
        Arrays.fill(passphrase, '\0');
      }
    }, false).compose(KeyServer::listen);
  }

  /**
   * Seeds the replay cache with requests answered before this start. A request is valid at most
   * one window either side of its stamp, and its decision was recorded within that span, so it
   * cannot pass the timestamp check later than two windows after its record.
   */
  private void rememberAnswered(List<AuditEvent> answered) {
    long now = clock.millis();
    long twoWindows = 2 * config.requestWindow().toMillis();
    for (AuditEvent e : answered) {
      replays.remember(e.requester(), e.requestId(), e.recordedAtMillis() + twoWindows, now);
    }
    if (!answered.isEmpty()) {
      LOG.info("event=replay_ids_restored server={} ids={}", config.serverId(), replays.size());
    }
  }

  private Future<KeyServer> listen() {
    int instances = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    try {
      // Vert.x shares one listening socket among instances only for a port fixed in advance
      boundPort = config.port() != 0 ? config.port() : freePort(config.host());
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    return vertx.deployVerticle(() -> new HttpApi(this), new DeploymentOptions().setInstances(instances))
        .map(id -> {
          deployments.add(id);
          LOG.info("event=key_server_listening server={} host={} port={} chain={} ledger={} keyVersion={}"
              + " signingKey={} instances={}", config.serverId(), config.host(), boundPort, config.chain(),
              ledger.ledger().ledgerId(), keys.current().version(), keys.signing().verifyingKey(), instances);
          return this;
        })
        .recover(e -> close().transform(ignored -> Future.failedFuture(e)));
  }

  /** A port free right now on {@code host}, for "any port" (port 0) in tests and local networks. */
  private static int freePort(String host) throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }

  /** Takes the data directory's lock file, so a second server or a rotation cannot use it at once. */
  static FileChannel lockDataDir(Path dataDir) throws IOException {
    FileChannel ch = FileChannel.open(dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new IOException(dataDir + " is in use by a running key server");
    }
    return ch;
  }

  // ---------------------------------------------------------------- for the HTTP API

  KeyServerConfig config() {
    return config;
  }

  KeyServerLedger ledger() {
    return ledger;
  }

  KeyServerMetrics metrics() {
    return metrics;
  }

  CryptoQueue cryptoQueue() {
    return cryptoQueue;
  }

  CertificateCache certificates() {
    return certificates;
  }

  Releaser releaser() {
    return releaser;
  }

  LedgerWaits ledgerWaits() {
    return ledgerWaits;
  }

  RateLimiter perClient() {
    return perClient;
  }

  AtomicInteger inFlight() {
    return inFlight;
  }

  ServerLimitsGuard limits() {
    return limits;
  }

  int boundPort() {
    return boundPort;
  }

  /**
   * Has a decision made on a crypto worker ({@link CryptoQueue}: {@code late} answers instead if
   * the request waited past the deadline), and its audit events queued by that worker before it
   * lets go. The result completes once the events are recorded (an outcome may be sent only
   * then), on the audit writer's thread. From the moment it is queued until its events are
   * appended, the decision counts as under way for the audit log's group commit
   * ({@code audit-commit-delay}), which waits for it: under load, the requests queued for a
   * worker share the force of those decided before them.
   */
  CompletableFuture<Releaser.Result> decide(long waitingSince, CryptoQueue.Stage stage,
      Supplier<Releaser.Result> decision, Function<String, Releaser.Result> late) {
    audit.beginDecision();
    AtomicBoolean ended = new AtomicBoolean();
    Runnable end = () -> {
      if (ended.compareAndSet(false, true)) {
        audit.endDecision();
      }
    };
    CompletableFuture<Releaser.Result> recorded = cryptoQueue.submit(waitingSince, stage,
        () -> record(decision, end), message -> record(() -> late.apply(message), end));
    // a task the pool refused, or one that failed, ends here
    recorded.whenComplete((outcome, failure) -> end.run());
    return recorded;
  }

  private CompletableFuture<Releaser.Result> record(Supplier<Releaser.Result> decision, Runnable end) {
    try {
      Releaser.Result outcome = decision.get();
      if (outcome.audit().isEmpty()) {
        return CompletableFuture.completedFuture(outcome);
      }
      return audit.append(outcome.audit()).thenApply(seq -> outcome);
    } finally {
      end.run();
    }
  }

  Health health() {
    LedgerView v = ledger.view();
    long now = clock.millis();
    boolean stale = releaser.stale(v, now);
    Throwable auditFailure = audit.failure();
    String status = auditFailure != null || ledger.halted() ? "failed" : stale ? "stale" : "serving";
    JsonObject json = new JsonObject()
        .put("status", status)
        .put("serverId", config.serverId())
        .put("keyVersion", keys.current().version())
        .put("ledger", ledger.describe(new JsonObject()
            .put("ledgerId", ledger.ledger().ledgerId())
            .put("height", v.height())
            .put("ledgerTime", v.ledgerTime())
            .put("appliedAt", v.height() < 0 ? null : v.appliedAt())
            .put("ageMillis", v.height() < 0 ? null : v.ageMillis(now))
            .put("stalenessBoundMillis", config.stalenessBound().toMillis())
            .put("lastContact", v.lastContact())))
        .put("audit", new JsonObject()
            .put("records", audit.records())
            .put("head", Hex.to0x(audit.headHash()))
            .put("error", auditFailure == null ? null : "the audit log stopped; see the key server's log"));
    if (stale) {
      json.put("message", releaser.staleMessage(v, now));
    }
    // why it is not serving, in one place an operator's probe can read whatever the cause
    if (auditFailure != null) {
      json.put("reason", "the audit log stopped, so nothing is released until a restart; see the key server's log");
    } else if (ledger.halted()) {
      json.put("reason", "the ledger follower halted on a block it cannot apply; see \"ledger\" and the key"
          + " server's log");
    } else if (stale) {
      json.put("reason", releaser.staleMessage(v, now));
    }
    return new Health("serving".equals(status), json);
  }

  // ---------------------------------------------------------------- public surface

  /** The port the API listens on. */
  public int port() {
    return boundPort;
  }

  public String serverId() {
    return config.serverId();
  }

  /** The signed descriptor {@code GET /v1/service} serves: the current key version. */
  public ServiceDescriptor descriptor() {
    return descriptor;
  }

  /** The audit log file. */
  public Path auditLogFile() {
    return audit.file();
  }

  AuditLog auditLog() {
    return audit;
  }

  /** The height of the newest block this server's follower has applied. */
  public long ledgerHeight() {
    return ledger.view().height();
  }

  /** Completes once this server's view of the ledger has reached {@code height}. */
  public Future<Long> awaitLedgerHeight(long height) {
    return Future.fromCompletionStage(ledger.awaitHeight(height), vertx.getOrCreateContext());
  }

  /**
   * Rotates the HPKE key: a new version is written to the key file and becomes the one the
   * service descriptor advertises; shares sealed to older versions keep opening.
   */
  public Future<ServiceDescriptor> rotateKey() {
    return Future.fromCompletionStage(cryptoQueue.run(() -> {
      keys.rotate();
      descriptor = describe();
      return descriptor;
    }), vertx.getOrCreateContext());
  }

  private ServiceDescriptor describe() {
    KeyRing.Version v = keys.current();
    return ServiceDescriptor.create(config.serverId(), v.version(), v.pair().publicKey(), keys.signing(),
        softwareVersion());
  }

  /** The build's version, as the descriptor states it. */
  public static String softwareVersion() {
    Properties p = new Properties();
    try (InputStream in = KeyServer.class.getResourceAsStream("/cachet-key-server-version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // informative only
    }
    String v = p.getProperty("version", "dev");
    return v.matches("[A-Za-z0-9._:-]{1,64}") ? v : "dev";
  }

  /** Stops listening, stops following the ledger, writes out and closes the audit log. */
  public Future<Void> close() {
    vertx.cancelTimer(sweepTimer);
    List<Future<?>> undeploys = new ArrayList<>();
    for (String id : deployments) {
      undeploys.add(vertx.undeploy(id));
    }
    deployments.clear();
    return Future.join(undeploys).transform(ignored -> {
      ledger.close();
      return vertx.executeBlocking(() -> {
        audit.close();
        lockChannel.close();
        return null;
      }, false);
    }).onComplete(v -> cryptoQueue.close()).onComplete(r -> LOG.info("event=key_server_stopped server={} audit_records={}",
        config.serverId(), audit.records())).mapEmpty();
  }

  /** Blocks until closed; for mains and tests. */
  public void closeAndWait() throws Exception {
    close().await(30, TimeUnit.SECONDS);
  }
}
