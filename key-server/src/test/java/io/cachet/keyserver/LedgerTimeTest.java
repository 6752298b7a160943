package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.policy.Window;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Honest ledger time, end to end: a real sequencer whose clock the test sets apart from the key
 * server's, its ledger server, and a key server following it on loopback. Ledger time cannot run
 * ahead of the key server's clock, cannot keep a dead ledger's view fresh, and cannot stretch a
 * grant past its end.
 */
class LedgerTimeTest extends KeyServerTestBase {
  private final Identity owner = Identity.generate(Requester.RANDOM);
  /** The sequencer's own clock, when a test sets it apart from the key server's {@link #clock}. */
  private final MutableClock sequencerClock = new MutableClock();
  private TestLedger apart;

  @AfterEach
  void stopApartLedger() throws Exception {
    if (apart != null) {
      apart.close();
    }
  }

  private static void eventually(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  /** A ledger on {@link #sequencerClock}, and a key server on {@link #clock} following it. */
  private KeyServer startApart(Map<String, String> settings) throws Exception {
    apart = new TestLedger(vertx, dir.resolve("apart-ledger"), sequencerClock);
    KeyServerConfig c = config("ks-1").with(Map.of("ledger-url", apart.url(), "sequencer-key",
        apart.sequencerKey().toString())).with(settings);
    KeyServer ks = KeyServer.start(vertx, c, PASSPHRASE.clone(), clock).await(30, TimeUnit.SECONDS);
    servers.add(ks);
    ks.awaitLedgerHeight(apart.height()).await(15, TimeUnit.SECONDS);
    return ks;
  }

  private JsonObject ledgerHealth(KeyServer ks) throws Exception {
    return get(ks, "/health").json().getJsonObject("ledger");
  }

  @Test
  void sequencerTenMinutesAhead_opensNoTimeLockEarly_andTheKeyServerGoesStaleInsteadOfReleasing() throws Exception {
    KeyServer ks = startApart(Map.of());
    Requester bob = new Requester(clock, List.of("ks-1"));
    long unlockAt = clock.millis() + Duration.ofMinutes(5).toMillis();
    PolicyId lock = apart.createTimeLock(owner, unlockAt);
    EnvelopeHeader header = seal(lock, ks);
    ks.awaitLedgerHeight(apart.height()).await(15, TimeUnit.SECONDS);
    assertThat(fetchOne(ks, bob, header, 1).reason()).isEqualTo("LOCKED");

    sequencerClock.advance(Duration.ofMinutes(10));
    eventually("the sequencer stamps a block past the unlock time", () -> apart.ledgerTime() >= unlockAt);
    eventually("the key server's follower holds that block", () -> ledgerHealth(ks).getValue("heldHeight") != null);

    ItemResult early = fetchOne(ks, bob, header, 1);
    assertThat(early.isReleased()).as("a fast sequencer clock opens no time lock").isFalse();
    assertThat(early.reason()).isEqualTo("LOCKED");
    assertThat(ledgerHealth(ks).getLong("ledgerTime")).isLessThan(unlockAt);
    assertThat(ledgerHealth(ks).getLong("heldBlockTime")).isGreaterThanOrEqualTo(unlockAt);
    assertThat(get(ks, "/metrics").body().toString()).contains("cachet_keyserver_ledger_held 1.0");

    // the view stops moving, so by the key server's own clock it goes stale: refuse, never release
    clock.advance(Duration.ofMinutes(2).plusSeconds(10));
    Reply stale = fetch(ks, bob, List.of(FetchKeyItem.of(header, 1)));
    assertThat(stale.status()).isEqualTo(503);
    assertThat(stale.reason()).isEqualTo("LEDGER_STALE");
    assertThat(get(ks, "/health").json().getString("status")).isEqualTo("stale");

    // once the key server's clock reaches the blocks' stamps they apply, and the lock opens on time
    clock.advance(Duration.ofMinutes(10).minus(Duration.ofMinutes(2).plusSeconds(10)));
    long head = apart.height();
    ks.awaitLedgerHeight(head).await(15, TimeUnit.SECONDS);
    eventually("the key server serves again", () -> get(ks, "/health").status() == 200);
    assertThat(fetchOne(ks, bob, header, 1).isReleased()).isTrue();
  }

  @Test
  void stoppedLedger_doesNotExtendAnExpiringGrant_pastItsEnd_byTheKeyServersClock() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    long end = clock.millis() + Duration.ofSeconds(30).toMillis();
    ledger.addMember(owner, list, bob.address(), new Window(0, end));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    assertThat(fetchOne(ks, bob, header, 1).isReleased()).isTrue();

    ledger.stop();
    long ledgerStoppedAt = ledgerHealth(ks).getLong("ledgerTime");
    assertThat(ledgerStoppedAt).as("precondition: ledger time stopped before the grant's end").isLessThan(end);
    clock.advance(Duration.ofSeconds(60));

    Reply afterEnd = fetch(ks, bob, List.of(FetchKeyItem.of(header, 1)));
    assertThat(afterEnd.status()).as("60 s old is within the staleness bound: decided, not refused").isEqualTo(200);
    ItemResult r = afterEnd.response().items().get(0);
    assertThat(r.isReleased()).as("the grant ended at its not-after by the key server's clock").isFalse();
    assertThat(r.reason()).isEqualTo("EXPIRED");
    assertThat(r.message()).contains("this server's clock");
  }

  @Test
  void blocksStampedAheadWithinTheTolerance_stalenessCountsFromWhenTheyWereApplied() throws Exception {
    // the sequencer runs 50 s fast, inside a 1 minute tolerance, so its blocks are applied at once
    sequencerClock.advance(Duration.ofSeconds(50));
    KeyServer ks = startApart(Map.of("ledger-clock-tolerance", "1m"));
    Requester bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = apart.createAllowList(owner);
    apart.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader header = seal(list, ks);
    ks.awaitLedgerHeight(apart.height()).await(15, TimeUnit.SECONDS);
    assertThat(fetchOne(ks, bob, header, 1).isReleased()).isTrue();
    JsonObject view = ledgerHealth(ks);
    assertThat(view.getLong("appliedAt")).isLessThan(view.getLong("ledgerTime"));

    apart.stop();
    clock.advance(Duration.ofSeconds(100));
    assertThat(fetch(ks, bob, List.of(FetchKeyItem.of(header, 1))).status())
        .as("applied 100 s ago: within the 2 minute bound").isEqualTo(200);

    // 125 s after it was applied; its stamp says 75 s, but the stamp was 50 s ahead of this clock
    clock.advance(Duration.ofSeconds(25));
    Reply stale = fetch(ks, bob, List.of(FetchKeyItem.of(header, 1)));
    assertThat(stale.status()).isEqualTo(503);
    assertThat(stale.reason()).isEqualTo("LEDGER_STALE");
    assertThat(stale.json().getJsonObject("error").getString("message")).contains("applied at")
        .contains("the bound is 120 s");
    assertThat(ledgerHealth(ks).getLong("ageMillis")).isGreaterThanOrEqualTo(125_000);
  }
}
