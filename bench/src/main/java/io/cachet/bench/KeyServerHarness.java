package io.cachet.bench;

import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.HpkeRecipientKey;
import io.cachet.crypto.Identity;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ResponseCheck;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.keyserver.KeyServer;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.Window;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * End-to-end key-server harness: a real ledger (sequencer, journal, HTTP) and one real key server
 * (follower, audit log fsynced per group commit, HTTP) on loopback, driven over HTTP by a client
 * in the same JVM, all sharing this machine's cores.
 *
 * <p>It measures, in one run:
 *
 * <ol>
 *   <li>the cost of each primitive a release needs, single-threaded: Ed25519 verify (the request),
 *       X25519 public-key check (parsing the response key), HPKE unseal (each share), HPKE seal (the
 *       response's shares, once per response) and Ed25519 sign (the response's one receipt); from them, the bound they put on releases per
 *       second with every core busy with nothing else;
 *   <li>releases per second at saturation with batches of 1 item and of 100 items ({@link #CONNECTIONS}
 *       requests in flight, requests signed before the clock starts, as a client does on its own
 *       machine), each as a ratio of that bound;
 *   <li>p50/p99 latency (from the intended send time, so a stall is not hidden) at half the saturating
 *       rate with batches of 1.
 * </ol>
 *
 * <p>Every saturation figure comes with the CPU the key server spent per release (process CPU less the
 * load client's threads), so that a run on a machine shared with other work still says how close
 * the server is to its primitives. {@code -Dcachet.bench.threads=true} also prints that CPU by
 * thread for the batch-of-one phase.
 *
 * <p>Run: {@code mvn -B -q -DskipTests -pl bench -am package && java -cp bench/target/benchmarks.jar
 * io.cachet.bench.KeyServerHarness [seconds]}
 */
public final class KeyServerHarness {
  private static final String LEDGER = "cachet-bench";
  private static final String SERVER = "ks-bench";
  /** Requests in flight at saturation. */
  static final int CONNECTIONS = 64;
  /** Requesters (each with a session) the requests are spread over. */
  private static final int REQUESTERS = 64;
  /** Envelopes the items are drawn from. */
  private static final int ENVELOPES = 256;
  private static final int DEFAULT_SECONDS = 10;
  /**
   * Warm-up before each saturation phase ({@code -Dcachet.bench.warmup=S}): C2 compiles Bouncy
   * Castle's field arithmetic and the request path for about 35 s of CPU, and on two cores that
   * competes with the load; a shorter warm-up measures the compiler, not the key server.
   */
  private static final int WARMUP_SECONDS = Integer.getInteger("cachet.bench.warmup", 40);
  /** Requests signed ahead per phase, at most: room for 12,000 requests/s with batches of one. */
  private static final int MAX_PRESIGNED_PER_SECOND = 12_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyServerHarness() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_SECONDS;
    int cores = Runtime.getRuntime().availableProcessors();
    Path dir = Files.createTempDirectory("cachet-ks-bench-");
    System.out.printf("key-server harness: %d cores, %d s per phase, %d requests in flight, data in %s%n", cores,
        seconds, CONNECTIONS, dir);

    // ------------------------------------------------------------ primitives
    Primitives p = Primitives.measure();
    double perRelease1 = p.verify + p.keyCheck + p.unseal + p.seal + p.sign;
    // a response is re-sealed and receipted once, whatever its batch: only the unseal is per item
    double perRelease100 = p.unseal + (p.verify + p.keyCheck + p.seal + p.sign) / 100;
    double bound1 = cores * 1e9 / perRelease1;
    double bound100 = cores * 1e9 / perRelease100;
    System.out.printf("primitives (CPU time of one thread, us/op): ed25519 verify %.1f, x25519 key check %.1f, hpke unseal %.1f,"
        + " hpke seal %.1f, ed25519 sign %.1f%n", p.verify / 1e3, p.keyCheck / 1e3, p.unseal / 1e3, p.seal / 1e3,
        p.sign / 1e3);
    System.out.printf("bound from primitives on %d cores: %.0f releases/s with batches of 1 (%.1f us of CPU each),"
        + " %.0f with batches of 100 (%.1f us each)%n", cores, bound1, perRelease1 / 1e3, bound100,
        perRelease100 / 1e3);

    // ------------------------------------------------------------ ledger and key server
    Vertx serverVertx = Vertx.vertx();
    Identity sequencerKey = Identity.generate(RANDOM);
    Sequencer sequencer = Sequencer.open(Sequencer.Config.defaults(dir.resolve("ledger"), LEDGER), sequencerKey);
    LedgerServer ledgerServer = new LedgerServer(sequencer, "127.0.0.1", 0);
    serverVertx.deployVerticle(ledgerServer).await(10, TimeUnit.SECONDS);
    KeyServerConfig config = KeyServerConfig.defaults(SERVER, dir.resolve(SERVER),
        "http://127.0.0.1:" + ledgerServer.port(), LEDGER, sequencerKey.verifyingKey()).with(Map.of(
            "port", "0", "rate-limit-ip", "0", "rate-limit-requester", "0", "request-window", "10m",
            "max-in-flight", "100000", "replay-cache-size", "5000000", "kdf-memory", "65536",
            // saturation queues 64 requests on purpose: none is to be dropped as overdue
            "request-deadline", "1m"));
    KeyServer ks = KeyServer.start(serverVertx, config, "bench passphrase".toCharArray(), Clock.systemUTC())
        .await(60, TimeUnit.SECONDS);

    Identity owner = Identity.generate(RANDOM);
    PolicyId list = LedgerState.policyIdFor(sequencer.ledger(), owner.address(), 0);
    sequencer.submit(Transaction.sign(owner, sequencer.ledger(), 0, new Operation.CreateAllowList())).get(10, TimeUnit.SECONDS);
    List<Identity> people = new ArrayList<>();
    long head = 0;
    for (int i = 0; i < REQUESTERS; i++) {
      Identity who = Identity.generate(RANDOM);
      people.add(who);
      head = sequencer.submit(Transaction.sign(owner, sequencer.ledger(), i + 1L, new Operation.AddMember(list, who.address(),
          Window.ALWAYS))).get(10, TimeUnit.SECONDS).height();
    }
    ks.awaitLedgerHeight(head).await(30, TimeUnit.SECONDS);
    List<FetchKeyItem> items = new ArrayList<>();
    KeyServerKey sealTo = new KeyServerKey(SERVER, ks.descriptor().hpkePublicKey());
    for (int i = 0; i < ENVELOPES; i++) {
      byte[] plain = new byte[64];
      EnvelopeHeader h = Envelope.seal(new SealParameters(LEDGER, list, 1, List.of(sealTo)),
          new ByteArrayInputStream(plain), plain.length, new ByteArrayOutputStream(), RANDOM);
      items.add(FetchKeyItem.of(h, 1));
    }
    List<Session> sessions = new ArrayList<>();
    for (Identity who : people) {
      sessions.add(new Session(who));
    }

    Vertx clientVertx = Vertx.vertx();
    HttpClient client = clientVertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(ks.port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(CONNECTIONS));
    Driver driver = new Driver(client, clientThreads(clientVertx));

    // ------------------------------------------------------------ saturation, batches of 1
    Driver.Result warm1 = driver.closedLoop(presign(sessions, items, 1, 3000 * WARMUP_SECONDS), WARMUP_SECONDS);
    int need1 = (int) Math.min(MAX_PRESIGNED_PER_SECOND * seconds, 3 * warm1.requestsPerSecond() * seconds + 3000);
    List<Request> signed1 = presign(sessions, items, 1, need1);
    Map<String, Long> before = Boolean.getBoolean("cachet.bench.threads") ? threadCpuByName() : null;
    long processBefore = processCpu();
    long jitBefore = java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    long classesBefore = java.lang.management.ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
    Driver.Result one = driver.closedLoop(signed1, seconds);
    if (before != null) {
      printThreadCpu(before, threadCpuByName(), processCpu() - processBefore, (long) (one.requestsPerSecond() * seconds));
      System.out.printf("  JIT compilation during the phase: %d ms; classes loaded: %d%n",
          java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitBefore,
          java.lang.management.ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() - classesBefore);
    }
    System.out.printf("saturation, batches of 1: %.0f releases/s, %d errors; %.0f%% of the primitive bound;"
        + " key-server CPU %.0f us per release (primitives %.0f us: %.0f%%), load client %.0f us%n",
        one.requestsPerSecond(), one.errors(), 100 * one.requestsPerSecond() / bound1, one.cpuMicrosPerRequest(),
        perRelease1 / 1e3, 100 * perRelease1 / 1e3 / one.cpuMicrosPerRequest(), one.clientCpuMicrosPerRequest());

    // ------------------------------------------------------------ saturation, batches of 100
    Driver.Result warm100 = driver.closedLoop(presign(sessions, items, 100, 150 * WARMUP_SECONDS), WARMUP_SECONDS);
    int need100 = (int) (3 * warm100.requestsPerSecond() * seconds + 100);
    Driver.Result hundred = driver.closedLoop(presign(sessions, items, 100, need100), seconds);
    System.out.printf("saturation, batches of 100: %.0f items/s (%.1f requests/s), %d errors; %.0f%% of the"
        + " primitive bound; key-server CPU %.0f us per item (primitives %.0f us: %.0f%%), load client %.0f us%n",
        hundred.requestsPerSecond() * 100, hundred.requestsPerSecond(), hundred.errors(),
        100 * hundred.requestsPerSecond() * 100 / bound100, hundred.cpuMicrosPerRequest() / 100,
        perRelease100 / 1e3, 100 * perRelease100 / 1e3 / (hundred.cpuMicrosPerRequest() / 100),
        hundred.clientCpuMicrosPerRequest() / 100);

    // ------------------------------------------------------------ latency at half load
    double rate = one.requestsPerSecond() / 2;
    Driver.Result half = driver.openLoop(presign(sessions, items, 1, (int) (rate * seconds) + 1), rate, seconds);
    System.out.printf("latency at %.0f requests/s (half of saturation), batches of 1: p50=%.2f ms p99=%.2f ms"
        + " max=%.2f ms, %d errors, achieved %.0f/s%n", rate, half.p(0.50), half.p(0.99), half.p(1.0),
        half.errors(), half.requestsPerSecond());

    // ------------------------------------------------------------ a released share really opens
    Request sample = presign(sessions, items, 1, 1).get(0);
    Buffer body = driver.send(sample.body).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    FetchKeyResponse response = FetchKeyResponse.fromJson(body.getBytes());
    FetchKeyRequest asked = FetchKeyRequest.fromJson(sample.body.getBytes());
    Share share = ResponseCheck.open(asked, response, ks.descriptor().verifyingKey(),
        asked.certificate().address(), sample.session.responseKey).get(0).share();
    if (share == null || share.index() != sample.context.index()) {
      throw new IllegalStateException("the sample item was not released for its slot");
    }
    System.out.printf("check: a released share opens (index %d) and its receipt verifies at height %d%n",
        share.index(), response.receipt().entries().get(0).ledgerHeight());
    System.out.printf("audit log: %d records, %d bytes%n", Files.size(ks.auditLogFile()) > 0
        ? io.cachet.keyserver.audit.AuditLog.verify(ks.auditLogFile()).records() : 0, Files.size(ks.auditLogFile()));

    client.close();
    clientVertx.close().await(10, TimeUnit.SECONDS);
    ks.closeAndWait();
    serverVertx.close().await(10, TimeUnit.SECONDS);
    sequencer.close();
    BenchFiles.deleteTree(dir);
  }

  // ---------------------------------------------------------------- requests

  /** A requester's session: identity-signed certificate, session key, response key. */
  static final class Session {
    final Identity session = Identity.generate(RANDOM);
    final HpkeKeyPair responseKey = HpkeKeyPair.generate();
    final SessionCertificate certificate;

    Session(Identity identity) {
      certificate = SessionCertificate.issue(identity, session.verifyingKey(), Clock.systemUTC().instant(),
          Duration.ofMinutes(30), List.of(SERVER));
    }
  }

  record Request(Buffer body, Session session, ShareContext context) {
    /** A request whose answer is not opened: only its body is sent. */
    static Request of(Buffer body) {
      return new Request(body, null, null);
    }
  }

  /** Signs {@code count} requests of {@code batch} items on every core, before any clock starts. */
  private static List<Request> presign(List<Session> sessions, List<FetchKeyItem> items, int batch, int count) {
    Request[] out = new Request[count];
    IntStream.range(0, count).parallel().forEach(i -> {
      Session s = sessions.get(i % sessions.size());
      List<FetchKeyItem> chosen = batch == 1 ? List.of(items.get(i % items.size()))
          : new ArrayList<>(Collections.nCopies(batch, items.get(i % items.size())));
      if (batch > 1) {
        for (int k = 0; k < batch; k++) {
          chosen.set(k, items.get((i * batch + k) % items.size()));
        }
      }
      FetchKeyRequest r = FetchKeyRequest.create(s.session, s.certificate, SERVER, s.responseKey.publicKey(), chosen,
          Clock.systemUTC().instant(), RANDOM);
      out[i] = new Request(Buffer.buffer(r.toJson()), s, chosen.get(0).context());
    });
    return List.of(out);
  }

  // ---------------------------------------------------------------- load

  static final class Driver {
    private final HttpClient client;
    private final long[] clientThreads;

    Driver(HttpClient client, long[] clientThreads) {
      this.client = client;
      this.clientThreads = clientThreads;
    }

    record Result(double requestsPerSecond, long errors, long[] latencyNanos, long requests, long cpuNanos,
        long clientCpuNanos) {
      /** CPU of the process less the load client's threads (the key server and the idle ledger), per request, us. */
      double cpuMicrosPerRequest() {
        return requests == 0 ? Double.NaN : (cpuNanos - clientCpuNanos) / 1e3 / requests;
      }

      double clientCpuMicrosPerRequest() {
        return requests == 0 ? Double.NaN : clientCpuNanos / 1e3 / requests;
      }

      double p(double q) {
        if (latencyNanos.length == 0) {
          return Double.NaN;
        }
        int i = (int) Math.min(latencyNanos.length - 1, Math.round((latencyNanos.length - 1) * q));
        return latencyNanos[i] / 1e6;
      }
    }

    io.vertx.core.Future<Buffer> send(Buffer body) {
      return client.request(HttpMethod.POST, "/v1/fetch_key")
          .compose(req -> req.putHeader("content-type", "application/json").send(body))
          .compose(resp -> resp.body().compose(b -> resp.statusCode() == 200 ? io.vertx.core.Future.succeededFuture(b)
              : io.vertx.core.Future.failedFuture("HTTP " + resp.statusCode() + ": " + b)));
    }

    /** {@link #CONNECTIONS} loops, each sending its next request when the last is answered. */
    Result closedLoop(List<Request> requests, int seconds) throws InterruptedException {
      AtomicInteger next = new AtomicInteger();
      AtomicLong done = new AtomicLong();
      AtomicLong errors = new AtomicLong();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      CountDownLatch finished = new CountDownLatch(CONNECTIONS);
      long cpu = processCpu();
      long clientCpu = threadsCpu(clientThreads);
      long start = System.nanoTime();
      for (int c = 0; c < CONNECTIONS; c++) {
        loop(requests, next, done, errors, end, finished);
      }
      finished.await(seconds + 60L, TimeUnit.SECONDS);
      double elapsed = (System.nanoTime() - start) / 1e9;
      if (next.get() >= requests.size()) {
        System.out.println("  (ran out of pre-signed requests: the figure below is a lower bound)");
      }
      return new Result(done.get() / elapsed, errors.get(), new long[0], done.get(), processCpu() - cpu,
          threadsCpu(clientThreads) - clientCpu);
    }

    private void loop(List<Request> requests, AtomicInteger next, AtomicLong done, AtomicLong errors, long end,
        CountDownLatch finished) {
      int i = next.getAndIncrement();
      if (System.nanoTime() >= end || i >= requests.size()) {
        finished.countDown();
        return;
      }
      send(requests.get(i).body).onComplete(r -> {
        if (r.succeeded()) {
          done.incrementAndGet();
        } else if (errors.incrementAndGet() < 5) {
          System.out.println("  error: " + r.cause().getMessage());
        }
        loop(requests, next, done, errors, end, finished);
      });
    }

    /** Sends at a fixed rate whatever the answers do; latency counts from each request's scheduled time. */
    Result openLoop(List<Request> requests, double rate, int seconds) throws InterruptedException {
      ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
      AtomicLong errors = new AtomicLong();
      int total = (int) Math.min(requests.size(), rate * seconds);
      CountDownLatch answered = new CountDownLatch(total);
      long start = System.nanoTime();
      double intervalNanos = 1e9 / rate;
      int sent = 0;
      while (sent < total) {
        long now = System.nanoTime();
        while (sent < total && start + (long) (sent * intervalNanos) <= now) {
          long scheduled = start + (long) (sent * intervalNanos);
          Buffer body = requests.get(sent).body;
          sent++;
          send(body).onComplete(r -> {
            if (r.succeeded()) {
              latencies.add(System.nanoTime() - scheduled);
            } else {
              errors.incrementAndGet();
            }
            answered.countDown();
          });
        }
        long wait = start + (long) (sent * intervalNanos) - System.nanoTime();
        if (wait > 200_000) {
          TimeUnit.NANOSECONDS.sleep(Math.min(wait, 1_000_000));
        }
      }
      answered.await(60, TimeUnit.SECONDS);
      double elapsed = (System.nanoTime() - start) / 1e9;
      long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
      return new Result(sorted.length / elapsed, errors.get(), sorted, sorted.length, 0, 0);
    }
  }

  /** The ids of the load client's event-loop threads, so their CPU can be told from the server's. */
  static long[] clientThreads(Vertx clientVertx) throws InterruptedException {
    java.util.Set<Long> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
    int loops = 2 * Runtime.getRuntime().availableProcessors();
    CountDownLatch seen = new CountDownLatch(loops * 2);
    for (int i = 0; i < loops * 2; i++) {
      io.vertx.core.Context ctx = ((io.vertx.core.internal.VertxInternal) clientVertx).createEventLoopContext();
      ctx.runOnContext(v -> {
        ids.add(Thread.currentThread().getId());
        seen.countDown();
      });
    }
    seen.await(10, TimeUnit.SECONDS);
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  static long threadsCpu(long[] ids) {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long id : ids) {
      sum += Math.max(0, threads.getThreadCpuTime(id));
    }
    return sum;
  }

  /** CPU nanoseconds of every live Java thread, summed by name with digits dropped. */
  static Map<String, Long> threadCpuByName() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new java.util.TreeMap<>();
    for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null) {
        out.merge(t.getThreadName().replaceAll("[0-9]+", "N"), Math.max(0, threads.getThreadCpuTime(t.getThreadId())),
            Long::sum);
      }
    }
    return out;
  }

  static void printThreadCpu(Map<String, Long> before, Map<String, Long> after, long process, long requests) {
    long javaThreads = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      javaThreads += d;
      if (d / 1e3 / requests >= 5) {
        System.out.printf("  cpu %-50s %6.0f us/request%n", e.getKey(), d / 1e3 / requests);
      }
    }
    System.out.printf("  cpu %-50s %6.0f us/request%n", "(not a Java thread: GC, JIT, ...)",
        (process - javaThreads) / 1e3 / requests);
    long gcMillis = 0;
    long gcCount = 0;
    for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      gcMillis += gc.getCollectionTime();
      gcCount += gc.getCollectionCount();
    }
    System.out.printf("  (totals since start: %d collections, %d ms of GC; %d ms of JIT compilation)%n", gcCount,
        gcMillis, java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
  }

  static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  // ---------------------------------------------------------------- primitives

  /** Nanoseconds per operation of each primitive a release uses, measured on one thread. */
  private static final class Primitives {
    double verify;
    double keyCheck;
    double unseal;
    double seal;
    double sign;

    static Primitives measure() throws Exception {
      Identity id = Identity.generate(RANDOM);
      byte[] message = new byte[400];
      RANDOM.nextBytes(message);
      byte[] signature = id.sign(message);
      HpkeKeyPair server = HpkeKeyPair.generate();
      HpkeKeyPair requester = HpkeKeyPair.generate();
      byte[] requesterKey = requester.publicKey().bytes();
      byte[] info = new byte[120];
      byte[] share = new byte[32];
      RANDOM.nextBytes(share);
      byte[] sealed = server.publicKey().seal(share, info);
      Primitives p = new Primitives();
      for (int round = 0; round < 2; round++) { // the first round warms the JIT up
        long ms = round == 0 ? 1000 : 2000;
        // the key server checks a request with the cofactored check (VerifyingKey, docs/KEYSERVER.md)
        p.verify = time(ms, () -> id.verifyingKey().verifyCofactored(message, signature, "bench"));
        p.keyCheck = time(ms, () -> HpkeRecipientKey.of(requesterKey));
        p.unseal = time(ms, () -> server.open(sealed, info));
        HpkeRecipientKey to = requester.publicKey();
        p.seal = time(ms, () -> to.seal(share, info));
        p.sign = time(ms, () -> id.sign(message));
      }
      return p;
    }

    interface Op {
      void run() throws Exception;
    }

    /** CPU nanoseconds of this thread per operation: other work on the machine does not count. */
    static double time(long millis, Op op) throws Exception {
      java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
      long n = 0;
      long cpuStart = threads.getCurrentThreadCpuTime();
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      do {
        for (int i = 0; i < 50; i++) {
          op.run();
        }
        n += 50;
      } while (System.nanoTime() < end);
      return (double) (threads.getCurrentThreadCpuTime() - cpuStart) / n;
    }
  }
}
