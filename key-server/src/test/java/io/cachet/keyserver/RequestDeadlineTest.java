package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.keyserver.audit.AuditEntry;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.policy.Window;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Bounded work under overload: a request that waited longer than {@code request-deadline} for a
 * crypto worker is answered {@code 503 DEADLINE_EXCEEDED} and costs the worker no parsing and no
 * signature. Real key servers with one worker; the stalled-pool cases time the wait on a ticker the
 * test moves, the flood on the real one.
 * Its time goes to requests held until their deadline, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("RequestDeadlineTest")
class RequestDeadlineTest extends KeyServerTestBase {
  /** Far beyond anything the test ledger reaches while a test runs. */
  private static final long FAR_AHEAD = 1_000_000_000L;
  /** Items per request in the flood: each released item is an HPKE unseal, a re-seal and a signature. */
  private static final int FLOOD_ITEMS = 20;
  private static final int FLOOD_REQUESTS = 60;

  private final Identity owner = Identity.generate(Requester.RANDOM);
  /** The ticker the stalled-pool cases time waits on, in nanoseconds. */
  private final AtomicLong ticker = new AtomicLong(1_000_000_000L);
  private Requester bob;
  private PolicyId list;

  @BeforeEach
  void setUp() throws Exception {
    bob = new Requester(clock, List.of("ks-1"));
    list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
  }

  private KeyServer startOnTicker(Map<String, String> settings) throws Exception {
    KeyServer s = KeyServer.start(vertx, config("ks-1").with(settings), PASSPHRASE.clone(), clock, ticker::get)
        .await(30, TimeUnit.SECONDS);
    servers.add(s);
    caughtUp(s);
    return s;
  }

  /** Occupies the server's only worker until {@code release} is counted down. */
  private static void stall(KeyServer ks, CountDownLatch release) {
    ks.cryptoQueue().run(() -> release.await(60, TimeUnit.SECONDS));
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private Future<HttpResponse<Buffer>> send(KeyServer ks, FetchKeyRequest request) {
    return http.post(ks.port(), "127.0.0.1", "/v1/fetch_key").sendBuffer(Buffer.buffer(request.toJson()));
  }

  private static String message(HttpResponse<Buffer> r) {
    return r.bodyAsJsonObject().getJsonObject("error").getString("message");
  }

  private static String reason(HttpResponse<Buffer> r) {
    return r.bodyAsJsonObject().getJsonObject("error").getJsonArray("details").getJsonObject(0).getString("reason");
  }

  @Test
  void flood_onOneWorkerWithATinyDeadline_dropsSomeUnread_andAnswersTheRest() throws Exception {
    KeyServer ks = start(config("ks-1").with(Map.of("worker-threads", "1", "request-deadline", "80ms")));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    List<FetchKeyItem> items = Collections.nCopies(FLOOD_ITEMS, FetchKeyItem.of(header, 1));
    List<Buffer> bodies = new ArrayList<>();
    for (int i = 0; i < FLOOD_REQUESTS; i++) {
      bodies.add(Buffer.buffer(bob.request("ks-1", items).toJson()));
    }
    // one connection per request, so that all of them queue for the worker at once
    WebClient burst = WebClient.create(vertx, new WebClientOptions(),
        new PoolOptions().setHttp1MaxSize(FLOOD_REQUESTS));
    try {
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (Buffer body : bodies) {
        sent.add(burst.post(ks.port(), "127.0.0.1", "/v1/fetch_key").sendBuffer(body));
      }
      Future.join(sent).await(120, TimeUnit.SECONDS);

      int answered = 0;
      int dropped = 0;
      for (Future<HttpResponse<Buffer>> f : sent) {
        HttpResponse<Buffer> r = f.result();
        if (r.statusCode() == 200) {
          answered++;
          assertThat(r.bodyAsString()).contains("released");
          continue;
        }
        dropped++;
        assertThat(r.statusCode()).as("%s", r.bodyAsString()).isEqualTo(503);
        assertThat(reason(r)).isEqualTo("DEADLINE_EXCEEDED");
        assertThat(r.getHeader("Retry-After")).isEqualTo("1");
        assertThat(message(r)).contains("ms for a worker after its body was received")
            .contains("request deadline is 80 ms").contains("dropped unread");
      }
      assertThat(dropped).as("requests dropped at the deadline").isPositive();
      assertThat(answered).as("requests answered").isPositive();
      KeyServerMetrics m = ks.metrics();
      assertThat(m.dropped("received")).isEqualTo(dropped);
      // a dropped request cost the worker nothing: only the answered ones were parsed and verified
      assertThat(m.worked("parse")).isEqualTo(answered);
      assertThat(m.worked("request_verify")).isEqualTo(answered);
      assertThat(ks.certificates().verifications()).isEqualTo(1);
      assertThat(AuditLogTest.entries(ks.auditLogFile())).as("one audit entry per item answered, none for a drop")
          .hasSize(answered * FLOOD_ITEMS);
      assertThat(get(ks, "/metrics").body().toString())
          .contains("cachet_keyserver_deadline_drops_total{stage=\"received\"} " + dropped + ".0");
    } finally {
      burst.close();
    }
  }

  @Test
  void stalledWorker_makesAQueuedRequestExpire_withTheClearAnswer_beforeAnyParsing() throws Exception {
    KeyServer ks = startOnTicker(Map.of("worker-threads", "1", "request-deadline", "200ms"));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    CountDownLatch release = new CountDownLatch(1);
    stall(ks, release);

    Future<HttpResponse<Buffer>> queued = send(ks, bob.request("ks-1", List.of(FetchKeyItem.of(header, 1))));
    await("the request waits for the stalled worker", () -> ks.cryptoQueue().queued() == 1);
    ticker.addAndGet(Duration.ofMillis(250).toNanos());
    release.countDown();
    HttpResponse<Buffer> r = queued.await(30, TimeUnit.SECONDS);

    assertThat(r.statusCode()).as("%s", r.bodyAsString()).isEqualTo(503);
    assertThat(reason(r)).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(r.getHeader("Retry-After")).isEqualTo("1");
    assertThat(message(r)).isEqualTo("the request waited 250 ms for a worker after its body was received; this key"
        + " server's request deadline is 200 ms, so it was dropped unread (the server is overloaded); retry shortly");
    assertThat(ks.metrics().worked("parse")).as("JSON parsed").isZero();
    assertThat(ks.metrics().worked("request_verify")).as("signatures checked").isZero();
    assertThat(ks.certificates().verifications()).as("certificates checked").isZero();
    assertThat(AuditLogTest.entries(ks.auditLogFile())).as("a request never read is not audited").isEmpty();

    // a worker that is free again answers the next request normally
    assertThat(fetch(ks, bob, List.of(FetchKeyItem.of(header, 1))).response().items().get(0).isReleased()).isTrue();
  }

  @Test
  void queuedRequest_withinTheDeadline_isAnswered() throws Exception {
    KeyServer ks = startOnTicker(Map.of("worker-threads", "1", "request-deadline", "200ms"));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    CountDownLatch release = new CountDownLatch(1);
    stall(ks, release);

    Future<HttpResponse<Buffer>> queued = send(ks, bob.request("ks-1", List.of(FetchKeyItem.of(header, 1))));
    await("the request waits for the stalled worker", () -> ks.cryptoQueue().queued() == 1);
    ticker.addAndGet(Duration.ofMillis(200).toNanos());
    release.countDown();

    HttpResponse<Buffer> r = queued.await(30, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as("%s", r.bodyAsString()).isEqualTo(200);
    assertThat(ks.metrics().dropped("received")).isZero();
  }

  @Test
  void ledgerWait_isNotCounted_butAWaitForAWorkerAfterItIs() throws Exception {
    KeyServer ks = startOnTicker(Map.of("worker-threads", "1", "request-deadline", "200ms", "ledger-wait", "1s"));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);

    // a ledger wait far longer than the deadline, then a free worker: decided (here: behind), not dropped
    Future<HttpResponse<Buffer>> behind = send(ks, FetchKeyRequest.create(bob.session, bob.certificate, "ks-1",
        bob.responseKey.publicKey(), List.of(FetchKeyItem.of(header, 1)), FAR_AHEAD, clock.instant(),
        Requester.RANDOM));
    await("the request waits for the ledger", () -> ks.ledgerWaits().waiting() == 1);
    ticker.addAndGet(Duration.ofSeconds(10).toNanos());
    HttpResponse<Buffer> first = behind.await(30, TimeUnit.SECONDS);
    assertThat(reason(first)).as("%s", first.bodyAsString()).isEqualTo("LEDGER_BEHIND");

    // after the ledger wait, a stalled worker: the wait for it counts, and the request is dropped undecided
    Future<HttpResponse<Buffer>> late = send(ks, FetchKeyRequest.create(bob.session, bob.certificate, "ks-1",
        bob.responseKey.publicKey(), List.of(FetchKeyItem.of(header, 1)), FAR_AHEAD, clock.instant(),
        Requester.RANDOM));
    await("the request waits for the ledger", () -> ks.ledgerWaits().waiting() == 1);
    CountDownLatch release = new CountDownLatch(1);
    stall(ks, release);
    await("the request's ledger wait ends and it waits for the stalled worker",
        () -> ks.cryptoQueue().queued() == 1);
    ticker.addAndGet(Duration.ofMillis(201).toNanos());
    release.countDown();
    HttpResponse<Buffer> second = late.await(30, TimeUnit.SECONDS);

    assertThat(second.statusCode()).as("%s", second.bodyAsString()).isEqualTo(503);
    assertThat(reason(second)).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(second.getHeader("Retry-After")).isEqualTo("1");
    assertThat(message(second)).isEqualTo("the request waited 201 ms for a worker after its ledger wait ended; this"
        + " key server's request deadline is 200 ms, so it was dropped undecided (the server is overloaded); retry"
        + " shortly");
    assertThat(ks.metrics().dropped("after_ledger_wait")).isEqualTo(1);
    // it was read and authenticated, so its refusal is audited under the requester it proved
    List<AuditEntry> entries = AuditLogTest.entries(ks.auditLogFile());
    AuditEvent event = entries.get(entries.size() - 1).event();
    assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.REFUSED);
    assertThat(event.reason()).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(event.requester()).isEqualTo(bob.address());
  }
}
