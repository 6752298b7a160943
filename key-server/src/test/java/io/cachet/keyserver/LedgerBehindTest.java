package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.policy.Window;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The ledger height a request signs: a server below it waits, within its bound, then says it is behind.
 * Its time goes to requests waiting out their bound for the ledger, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("LedgerBehindTest")
class LedgerBehindTest extends KeyServerTestBase {
  /** Far beyond anything the test ledger reaches while a test runs. */
  private static final long FAR_AHEAD = 1_000_000_000L;

  private final Identity owner = Identity.generate(Requester.RANDOM);
  private Requester bob;
  private PolicyId list;

  @BeforeEach
  void setUp() throws Exception {
    bob = new Requester(clock, List.of("ks-1"));
    list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
  }

  private KeyServer startWith(Map<String, String> settings) throws Exception {
    return start(config("ks-1").with(settings));
  }

  private FetchKeyRequest requestAt(KeyServer ks, EnvelopeHeader header, long height) {
    return FetchKeyRequest.create(bob.session, bob.certificate, ks.serverId(), bob.responseKey.publicKey(),
        List.of(FetchKeyItem.of(header, 1)), height, clock.instant(), Requester.RANDOM);
  }

  @Test
  void fetch_heightFarAheadOfTheLedger_waitsItsBoundThenAnswersLedgerBehind_notADenial() throws Exception {
    KeyServer ks = startWith(Map.of("ledger-wait", "300ms"));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);

    Reply r = fetch(ks, requestAt(ks, header, FAR_AHEAD));

    assertThat(r.status()).as("%s", r.body()).isEqualTo(503);
    assertThat(r.reason()).isEqualTo("LEDGER_BEHIND");
    assertThat(r.raw().getHeader("Retry-After")).isEqualTo("1");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("below the height " + FAR_AHEAD);
    assertThat(ks.ledgerWaits().waiting()).isZero();
    AuditEvent event = AuditLogTest.entries(ks.auditLogFile()).get(0).event();
    assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.REFUSED);
    assertThat(event.reason()).isEqualTo("LEDGER_BEHIND");
    // the same requester at a height the server has is answered at once
    assertThat(fetch(ks, requestAt(ks, header, ks.ledgerHeight())).response().items().get(0).isReleased()).isTrue();
  }

  @Test
  void fetch_heightTheFollowerReachesWhileWaiting_isDecidedAtOrAboveIt() throws Exception {
    KeyServer ks = startWith(Map.of("ledger-wait", "10s"));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    // a few heartbeats ahead of the ledger: the follower gets there during the wait
    long needed = ledger.height() + 3;

    Reply r = fetch(ks, requestAt(ks, header, needed));

    assertThat(r.response().ledgerHeight()).isGreaterThanOrEqualTo(needed);
    assertThat(r.response().items().get(0).isReleased()).isTrue();
    assertThat(r.response().receipt().entries().get(0).ledgerHeight()).isGreaterThanOrEqualTo(needed);
  }

  @Test
  void waitingRequests_holdInFlightSlots_soFarAheadHeightsCannotParkMoreThanTheLimit() throws Exception {
    KeyServer ks = startWith(Map.of("ledger-wait", "10s", "max-in-flight", "2"));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    List<Future<HttpResponse<Buffer>>> parked = List.of(
        http.post(ks.port(), "127.0.0.1", "/v1/fetch_key").sendBuffer(Buffer.buffer(requestAt(ks, header,
            FAR_AHEAD).toJson())),
        http.post(ks.port(), "127.0.0.1", "/v1/fetch_key").sendBuffer(Buffer.buffer(requestAt(ks, header,
            FAR_AHEAD).toJson())));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ks.ledgerWaits().waiting() < 2) {
      assertThat(System.nanoTime()).as("both requests waiting").isLessThan(deadline);
      Thread.sleep(10);
    }

    Reply third = fetch(ks, requestAt(ks, header, 0));

    assertThat(third.status()).isEqualTo(503);
    assertThat(third.reason()).isEqualTo("OVERLOADED");
    for (Future<HttpResponse<Buffer>> f : parked) {
      HttpResponse<Buffer> answer = f.await(30, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).isEqualTo(503);
      assertThat(answer.bodyAsString()).contains("LEDGER_BEHIND");
    }
    assertThat(fetch(ks, requestAt(ks, header, 0)).response().items().get(0).isReleased()).isTrue();
  }
}
