package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Share;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.keyserver.audit.AuditLog;
import io.cachet.policy.Window;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A thousand requests at once, from many requesters, each answered correctly and audited once. */
class ConcurrencyTest extends KeyServerTestBase {
  private static final int REQUESTS = 1000;
  private static final int REQUESTERS = 20;

  @Test
  void thousandConcurrentRequests_allAnsweredCorrectly() throws Exception {
    KeyServer ks = start("ks-1");
    Identity owner = Identity.generate(Requester.RANDOM);
    PolicyId list = ledger.createAllowList(owner);
    List<Requester> people = new ArrayList<>();
    for (int i = 0; i < REQUESTERS; i++) {
      Requester r = new Requester(clock, List.of("ks-1"));
      people.add(r);
      if (i % 2 == 0) {
        ledger.addMember(owner, list, r.address(), Window.ALWAYS);
      }
    }
    List<EnvelopeHeader> headers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      headers.add(seal(list, ks));
    }
    caughtUp(ks);

    List<FetchKeyRequest> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      requests.add(people.get(i % REQUESTERS).request("ks-1", List.of(FetchKeyItem.of(headers.get(i % 10), 1))));
    }
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (FetchKeyRequest r : requests) {
      sent.add(http.post(ks.port(), "127.0.0.1", "/v1/fetch_key").sendBuffer(Buffer.buffer(r.toJson())));
    }
    Future.all(sent).await(60, TimeUnit.SECONDS);

    int released = 0;
    for (int i = 0; i < REQUESTS; i++) {
      HttpResponse<Buffer> reply = sent.get(i).result();
      assertThat(reply.statusCode()).as("request %d: %s", i, reply.bodyAsString()).isEqualTo(200);
      FetchKeyResponse response = FetchKeyResponse.fromJson(reply.body().getBytes());
      FetchKeyRequest request = requests.get(i);
      Requester who = people.get(i % REQUESTERS);
      assertThat(response.requestId()).isEqualTo(request.requestId());
      ItemResult item = response.items().get(0);
      if (i % REQUESTERS % 2 == 0) {
        assertThat(item.isReleased()).isTrue();
        assertThat(response.receipt().requester()).isEqualTo(who.address());
        Share s = who.open(request, response, ks).get(0).share();
        assertThat(s.index()).isEqualTo(1);
        released++;
      } else {
        assertThat(item.reason()).isEqualTo("NOT_A_MEMBER");
      }
    }
    assertThat(released).isEqualTo(REQUESTS / 2);
    AuditLog.Verification audit = AuditLog.verify(ks.auditLogFile());
    assertThat(audit.ok()).isTrue();
    assertThat(audit.records()).isEqualTo(REQUESTS);
  }

  /**
   * With decisions made back to back on one worker, the audit writer waits for the one under way
   * before it forces, so many answers share one fsync; every decision is still recorded before
   * its answer. The long delay makes the grouping certain on a loaded machine: a decision takes
   * far less than 100 ms.
   */
  @Test
  void concurrentRequests_shareGroupCommits_andEveryDecisionIsRecorded() throws Exception {
    KeyServer ks = start(config("ks-1").with(Map.of("worker-threads", "1", "audit-commit-delay", "100ms")));
    Identity owner = Identity.generate(Requester.RANDOM);
    PolicyId list = ledger.createAllowList(owner);
    Requester bob = new Requester(clock, List.of("ks-1"));
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    long commitsBefore = ks.auditLog().commits();
    long recordsBefore = ks.auditLog().records();

    int requests = 40;
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      FetchKeyRequest r = bob.request("ks-1", List.of(FetchKeyItem.of(header, 1)));
      sent.add(http.post(ks.port(), "127.0.0.1", "/v1/fetch_key").sendBuffer(Buffer.buffer(r.toJson())));
    }
    Future.all(sent).await(60, TimeUnit.SECONDS);

    for (Future<HttpResponse<Buffer>> f : sent) {
      assertThat(f.result().statusCode()).as("%s", f.result().bodyAsString()).isEqualTo(200);
    }
    assertThat(ks.auditLog().records() - recordsBefore).isEqualTo(requests);
    assertThat(ks.auditLog().commits() - commitsBefore).isLessThanOrEqualTo(requests / 2);
    assertThat(AuditLog.verify(ks.auditLogFile()).ok()).isTrue();
  }
}
