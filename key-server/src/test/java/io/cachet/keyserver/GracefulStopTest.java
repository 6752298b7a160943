package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditLog;
import io.cachet.policy.Window;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A stop (SIGTERM) answers the requests already in flight and forces their audit records before it closes. */
class GracefulStopTest extends KeyServerTestBase {
  /** Far beyond anything the test ledger reaches while a test runs: the request waits its ledger-wait. */
  private static final long FAR_AHEAD = 1_000_000_000L;

  @Test
  void close_withARequestInFlight_answersIt_andItsAuditRecordIsInTheLog() throws Exception {
    Identity owner = Identity.generate(Requester.RANDOM);
    Requester bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    KeyServer ks = start(config("ks-1").with(Map.of("ledger-wait", "2s")));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    FetchKeyRequest parked = FetchKeyRequest.create(bob.session, bob.certificate, ks.serverId(),
        bob.responseKey.publicKey(), List.of(FetchKeyItem.of(header, 1)), FAR_AHEAD, clock.instant(),
        Requester.RANDOM);
    Future<HttpResponse<Buffer>> inFlight = http.post(ks.port(), "127.0.0.1", "/v1/fetch_key")
        .sendBuffer(Buffer.buffer(parked.toJson()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (ks.ledgerWaits().waiting() < 1) {
      assertThat(System.nanoTime()).as("the request is waiting in the server").isLessThan(deadline);
      Thread.sleep(10);
    }

    ks.closeAndWait();
    servers.remove(ks);

    HttpResponse<Buffer> answer = inFlight.await(30, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(answer.bodyAsString()).contains("LEDGER_BEHIND");
    assertThat(AuditLog.verify(ks.auditLogFile()).ok()).isTrue();
    List<AuditEvent> events = AuditLogTest.entries(ks.auditLogFile()).stream().map(e -> e.event()).toList();
    assertThat(events).anyMatch(e -> "LEDGER_BEHIND".equals(e.reason()));
  }
}
