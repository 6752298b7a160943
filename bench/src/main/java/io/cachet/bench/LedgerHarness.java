package io.cachet.bench;

import io.cachet.crypto.Identity;
import io.cachet.policy.Follower;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end ledger harness: a real sequencer (journal fsynced per block) behind its HTTP server
 * on loopback, and a real follower pulling from it, all in one JVM on this machine.
 *
 * <p>It measures (1) committed transactions per second, in process ({@code Sequencer.submit})
 * and over HTTP ({@code POST /v1/transactions?wait=true}), with {@link #SENDERS} senders each
 * keeping one transaction in flight (a sender's nonces must go in order), and (2) propagation:
 * for each committed transaction, the time from the sequencer's acknowledgement to the follower
 * having applied that block, as p50/p99/max.
 *
 * <p>Run: {@code mvn -B -q -DskipTests -pl bench -am package && java -cp bench/target/benchmarks.jar
 * io.cachet.bench.LedgerHarness [seconds]}
 */
public final class LedgerHarness {
  /**
   * The clients' threads. Named explicitly: on 2 cores the common pool has parallelism 1, and
   * CompletableFuture's default async executor then starts a new thread per task.
   */
  private static final java.util.concurrent.ExecutorService CLIENTS = java.util.concurrent.Executors.newFixedThreadPool(2,
      r -> {
        Thread t = new Thread(r, "harness-client");
        t.setDaemon(true);
        return t;
      });

  /** Senders of the moderate-load phase, which measures propagation below saturation. */
  private static final int MODERATE_SENDERS = 16;

  /** Concurrent senders, each with one transaction in flight. */
  private static final int SENDERS = 256;
  /** Default length of each measured phase. */
  private static final int DEFAULT_SECONDS = 10;
  /** Transactions pre-signed per sender per measured second: room for 256 x 40 = 10,240 tx/s. */
  private static final int PER_SENDER_PER_SECOND = 40;
  /** Warm-up before each phase, so the JIT has compiled the hot paths. */
  private static final int WARMUP_SECONDS = 3;

  private LedgerHarness() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_SECONDS;
    Path dir = Files.createTempDirectory("cachet-ledger-bench-");
    SecureRandom random = new SecureRandom();
    Identity sequencerKey = Identity.generate(random);
    Vertx vertx = Vertx.vertx();
    Sequencer sequencer = Sequencer.open(Sequencer.Config.defaults(dir, "cachet-bench"), sequencerKey);
    LedgerServer server = new LedgerServer(sequencer, "127.0.0.1", 0);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + server.port();
    List<Identity> senders = new ArrayList<>();
    for (int i = 0; i < SENDERS; i++) {
      senders.add(Identity.generate(random));
    }
    long[] nonces = new long[SENDERS];
    System.out.printf("ledger harness: %d senders, %d s per phase, journal in %s%n", SENDERS, seconds, dir);

    // the sequencer alone, as it runs in a deployment (followers live on key-server machines)
    inProcess(sequencer, senders, nonces, WARMUP_SECONDS, null, null);
    double alone = inProcess(sequencer, senders, nonces, seconds, null, null);
    System.out.printf("in-process, sequencer alone: %.0f committed tx/s%n", alone);

    // with a follower in the same JVM, sharing the two cores, to measure propagation
    Follower follower = Follower.start(vertx, new Follower.Config(url, "cachet-bench", sequencerKey.verifyingKey(),
        Duration.ofSeconds(5), Clock.systemUTC()));
    follower.awaitHeight(sequencer.head().height()).get(120, TimeUnit.SECONDS);
    ConcurrentLinkedQueue<Long> saturated = new ConcurrentLinkedQueue<>();
    double shared = inProcess(sequencer, senders, nonces, seconds, follower, saturated);
    System.out.printf("in-process, follower in the same JVM: %.0f committed tx/s%n", shared);
    settle(sequencer, follower);
    report("propagation at that saturating load (ack -> follower applied)", saturated);
    follower.awaitHeight(sequencer.head().height()).get(120, TimeUnit.SECONDS);
    ConcurrentLinkedQueue<Long> propagation = new ConcurrentLinkedQueue<>();
    double moderate = inProcess(sequencer, senders.subList(0, MODERATE_SENDERS), nonces, seconds, follower,
        propagation);
    System.out.printf("in-process, %d senders, follower in the same JVM: %.0f committed tx/s%n", MODERATE_SENDERS,
        moderate);
    settle(sequencer, follower);
    report("propagation at that load (ack -> follower applied)", propagation);
    System.out.printf("follower lag at the end: %d ms%n", follower.status().lagMillis());
    follower.close();

    LedgerClient client = new LedgerClient(vertx, url);
    overHttp(client, sequencer.ledger(), senders, nonces, WARMUP_SECONDS);
    double http = overHttp(client, sequencer.ledger(), senders, nonces, seconds);
    System.out.printf("over HTTP: %.0f committed tx/s%n", http);
    System.out.printf("blocks: %d (head)%n", sequencer.head().height());

    client.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    sequencer.close();
  }

  /**
   * Signs each sender's next transactions before the clock starts: clients sign on their own
   * machines, so client signing must not be charged to the ledger on this 2-core box.
   */
  private static Transaction[][] presign(LedgerRef ledger, List<Identity> senders, long[] nonces, int perSender) {
    Transaction[][] txs = new Transaction[senders.size()][perSender];
    java.util.stream.IntStream.range(0, senders.size()).parallel().forEach(i -> {
      for (int k = 0; k < perSender; k++) {
        txs[i][k] = Transaction.sign(senders.get(i), ledger, nonces[i] + k, new Operation.CreateAllowList());
      }
    });
    return txs;
  }

  /** Each sender creates allow-lists back to back, one in flight; returns committed tx/s. */
  private static double inProcess(Sequencer sequencer, List<Identity> senders, long[] nonces, int seconds,
      Follower follower, ConcurrentLinkedQueue<Long> propagation) throws Exception {
    Transaction[][] signed = presign(sequencer.ledger(), senders, nonces, PER_SENDER_PER_SECOND * seconds);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong committed = new AtomicLong();
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    for (int i = 0; i < senders.size(); i++) {
      int who = i;
      CompletableFuture<Void> done = new CompletableFuture<>();
      loops.add(done);
      submitNext(sequencer, signed[who], nonces, who, end, committed, follower, propagation, done);
    }
    long start = System.nanoTime();
    CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(seconds + 60L, TimeUnit.SECONDS);
    return committed.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static void submitNext(Sequencer sequencer, Transaction[] signed, long[] nonces, int index, long end,
      AtomicLong committed, Follower follower, ConcurrentLinkedQueue<Long> propagation, CompletableFuture<Void> done) {
    int k = (int) (nonces[index] - signed[0].nonce());
    if (System.nanoTime() >= end || k >= signed.length) {
      done.complete(null);
      return;
    }
    Transaction tx = signed[k];
    // async: the next submission is made on a client thread, not on the sequencer's commit thread
    sequencer.submit(tx).whenCompleteAsync((c, e) -> {
      if (e != null) {
        done.completeExceptionally(e);
        return;
      }
      long acked = System.nanoTime();
      nonces[index]++;
      committed.incrementAndGet();
      if (follower != null) {
        follower.awaitHeight(c.height()).thenRunAsync(() -> propagation.add(System.nanoTime() - acked), CLIENTS);
      }
      submitNext(sequencer, signed, nonces, index, end, committed, follower, propagation, done);
    }, CLIENTS);
  }

  private static double overHttp(LedgerClient client, LedgerRef ledger, List<Identity> senders, long[] nonces,
      int seconds) throws Exception {
    Transaction[][] signed = presign(ledger, senders, nonces, PER_SENDER_PER_SECOND * seconds);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong committed = new AtomicLong();
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < senders.size(); i++) {
      Promise<Void> p = Promise.promise();
      loops.add(p.future());
      httpNext(client, signed[i], nonces, i, end, committed, p);
    }
    long start = System.nanoTime();
    Future.all(loops).await(seconds + 60L, TimeUnit.SECONDS);
    return committed.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static void httpNext(LedgerClient client, Transaction[] signed, long[] nonces, int index, long end,
      AtomicLong committed, Promise<Void> done) {
    int k = (int) (nonces[index] - signed[0].nonce());
    if (System.nanoTime() >= end || k >= signed.length) {
      done.complete();
      return;
    }
    client.submit(signed[k]).onComplete(r -> {
      if (r.failed()) {
        done.fail(r.cause());
        return;
      }
      nonces[index]++;
      committed.incrementAndGet();
      httpNext(client, signed, nonces, index, end, committed, done);
    });
  }

  /** Lets the follower reach the head and the last samples land, so slow samples are not left out. */
  private static void settle(Sequencer sequencer, Follower follower) throws Exception {
    follower.awaitHeight(sequencer.head().height()).get(120, TimeUnit.SECONDS);
    Thread.sleep(500);
  }

  private static void report(String what, ConcurrentLinkedQueue<Long> nanos) {
    long[] v = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    if (v.length == 0) {
      System.out.println(what + ": no samples");
      return;
    }
    System.out.printf("%s: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms%n", what, v.length, v[v.length / 2] / 1e6,
        v[(int) Math.min(v.length - 1, Math.round(v.length * 0.99))] / 1e6, v[v.length - 1] / 1e6);
    Arrays.fill(v, 0);
  }
}
