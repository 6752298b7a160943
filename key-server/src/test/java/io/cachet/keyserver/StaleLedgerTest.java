package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.keyserver.audit.AuditEntry;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.policy.Window;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Fail closed: a key server whose view of the ledger is too old refuses everything, then recovers. */
class StaleLedgerTest extends KeyServerTestBase {
  private final Identity owner = Identity.generate(Requester.RANDOM);

  private void eventually(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void ledgerGone_pastTheBound_everyItemIsRefused_andServingResumesWhenItReturns() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader a = seal(list, ks);
    EnvelopeHeader b = seal(list, ks);
    caughtUp(ks);
    List<FetchKeyItem> items = List.of(FetchKeyItem.of(a, 1), FetchKeyItem.of(b, 1), FetchKeyItem.of(a, 1));
    assertThat(fetch(ks, bob, items).response().items()).allMatch(r -> r.isReleased());

    ledger.stop();
    clock.advance(Duration.ofSeconds(100));
    assertThat(fetch(ks, bob, items).status()).as("100 s old is within the 2 minute bound").isEqualTo(200);

    clock.advance(Duration.ofSeconds(30));
    Reply refused = fetch(ks, bob, items);
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.reason()).isEqualTo("LEDGER_STALE");
    assertThat(refused.json().getJsonObject("error").getString("status")).isEqualTo("UNAVAILABLE");
    assertThat(refused.json().getJsonObject("error").getString("message"))
        .contains("s old; the bound is 120 s");
    assertThat(refused.raw().getHeader("Retry-After")).isNotNull();
    Reply health = get(ks, "/health");
    assertThat(health.status()).isEqualTo(503);
    assertThat(health.json().getString("status")).isEqualTo("stale");
    assertThat(health.json().getString("reason")).as("/health says why").contains("the bound is 120 s");
    assertThat(get(ks, "/metrics").body().toString()).contains("cachet_keyserver_ledger_stale 1.0");

    List<AuditEntry> audit = AuditLogTest.entries(ks.auditLogFile());
    List<AuditEntry> stale = audit.subList(audit.size() - 3, audit.size());
    assertThat(stale).allSatisfy(e -> {
      assertThat(e.event().outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
      assertThat(e.event().reason()).isEqualTo("LEDGER_STALE");
    });

    ledger.start();
    eventually("the key server follows the ledger again", () -> get(ks, "/health").status() == 200);
    JsonObject back = get(ks, "/health").json();
    assertThat(back.getString("status")).isEqualTo("serving");
    assertThat(back.containsKey("reason")).isFalse();
    assertThat(fetch(ks, bob, items).response().items()).allMatch(r -> r.isReleased());
  }

  @Test
  void noViewOfTheLedgerYet_refusesEverything() throws Exception {
    int deadPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    KeyServerConfig c = config("ks-1").with("ledger-url", "http://127.0.0.1:" + deadPort);
    KeyServer ks = KeyServer.start(vertx, c, PASSPHRASE.clone(), clock).await(30, TimeUnit.SECONDS);
    servers.add(ks);
    Requester bob = new Requester(clock, List.of("ks-1"));
    EnvelopeHeader h = seal(PolicyId.random(Requester.RANDOM), ks);

    Reply r = fetch(ks, bob, List.of(FetchKeyItem.of(h, 1)));

    assertThat(r.status()).isEqualTo(503);
    assertThat(r.reason()).isEqualTo("LEDGER_STALE");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("no view of ledger");
  }
}
