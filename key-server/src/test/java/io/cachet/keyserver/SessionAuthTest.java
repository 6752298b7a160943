package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.keyserver.audit.AuditEntry;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.policy.Window;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Who is asking: certificates, request signatures, time windows, audiences and replays. */
class SessionAuthTest extends KeyServerTestBase {
  private KeyServer ks;
  private EnvelopeHeader header;
  private Requester bob;
  private final Identity owner = Identity.generate(Requester.RANDOM);

  @BeforeEach
  void setUp() throws Exception {
    ks = start("ks-1");
    bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    header = seal(list, ks);
    caughtUp(ks);
  }

  private List<FetchKeyItem> item() {
    return List.of(FetchKeyItem.of(header, 1));
  }

  private FetchKeyRequest requestWith(SessionCertificate cert, Identity sessionKey, String serverId, Instant at) {
    return FetchKeyRequest.create(sessionKey, cert, serverId, bob.responseKey.publicKey(), item(), at,
        Requester.RANDOM);
  }

  private void assertRefused(Reply r, int status, String reason) {
    assertThat(r.status()).as("%s", r.body()).isEqualTo(status);
    assertThat(r.json().getJsonObject("error").getInteger("code")).isEqualTo(status);
    assertThat(r.reason()).isEqualTo(reason);
  }

  private List<AuditEntry> auditEntries() throws Exception {
    return AuditLogTest.entries(ks.auditLogFile());
  }

  @Test
  void validRequest_isAnswered_andTheCertificateIsCheckedOnce() throws Exception {
    assertThat(fetch(ks, bob, item()).response().items().get(0).isReleased()).isTrue();
    assertThat(fetch(ks, bob, item()).response().items().get(0).isReleased()).isTrue();
  }

  @Test
  void forgedCertificate_signedByAnotherKey_isRefused() throws Exception {
    Identity mallory = Identity.generate(Requester.RANDOM);
    SessionCertificate real = bob.certificate;
    SessionCertificate byMallory = SessionCertificate.issue(mallory, bob.session.verifyingKey(), clock.instant(),
        Duration.ofMinutes(10), List.of("ks-1"));
    SessionCertificate forged = new SessionCertificate(real.address(), real.identityKey(), real.sessionKey(),
        real.createdAtMillis(), real.ttlSeconds(), real.audience(), byMallory.signature());

    assertRefused(fetch(ks, requestWith(forged, bob.session, "ks-1", clock.instant())), 401, "BAD_SIGNATURE");

    AuditEvent refused = auditEntries().get(0).event();
    assertThat(refused.outcome()).isEqualTo(AuditEvent.Outcome.REFUSED);
    assertThat(refused.reason()).isEqualTo("BAD_SIGNATURE");
    assertThat(refused.requester()).as("an unproven address is not recorded as the requester").isNull();
  }

  @Test
  void certificateClaimingSomeoneElsesAddress_isRefused() throws Exception {
    Identity mallory = Identity.generate(Requester.RANDOM);
    SessionCertificate own = SessionCertificate.issue(mallory, bob.session.verifyingKey(), clock.instant(),
        Duration.ofMinutes(10), List.of("ks-1"));
    SessionCertificate claimingBob = new SessionCertificate(bob.address(), own.identityKey(), own.sessionKey(),
        own.createdAtMillis(), own.ttlSeconds(), own.audience(), own.signature());

    assertRefused(fetch(ks, requestWith(claimingBob, bob.session, "ks-1", clock.instant())), 401, "BAD_SIGNATURE");
  }

  @Test
  void acceptedCertificate_withOneSignatureBitFlipped_isNotServedFromTheCache() throws Exception {
    assertThat(fetch(ks, bob, item()).status()).isEqualTo(200);
    SessionCertificate c = bob.certificate;
    byte[] sig = c.signature();
    sig[10] ^= 1;
    SessionCertificate flipped = new SessionCertificate(c.address(), c.identityKey(), c.sessionKey(),
        c.createdAtMillis(), c.ttlSeconds(), c.audience(), sig);

    assertRefused(fetch(ks, requestWith(flipped, bob.session, "ks-1", clock.instant())), 401, "BAD_SIGNATURE");
  }

  @Test
  void requestSignedByAnotherKey_isRefused() throws Exception {
    FetchKeyRequest good = bob.request("ks-1", item());
    Identity other = Identity.generate(Requester.RANDOM);
    FetchKeyRequest resigned = new FetchKeyRequest(good.version(), good.requestId(), good.keyServerId(),
        good.timestampMillis(), good.minLedgerHeight(), good.certificate(), good.responseKey(), good.items(), other.sign(good.signedBytes()));

    assertRefused(fetch(ks, resigned), 401, "BAD_SIGNATURE");
  }

  @Test
  void expiredSession_isRefused() throws Exception {
    Requester late = new Requester(bob.identity, clock, List.of("ks-1"), Duration.ofMinutes(1));
    late.certificate = SessionCertificate.issue(bob.identity, late.session.verifyingKey(),
        clock.instant().minus(Duration.ofMinutes(2)), Duration.ofMinutes(1), List.of("ks-1"));

    Reply r = fetch(ks, late, item());

    assertRefused(r, 401, "SESSION_EXPIRED");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("expired at");
  }

  @Test
  void sessionExpiring_whileTheClockMoves_isRefusedAfterItsTtl() throws Exception {
    Requester brief = new Requester(bob.identity, clock, List.of("ks-1"), Duration.ofSeconds(30));
    assertThat(fetch(ks, brief, item()).status()).isEqualTo(200);

    clock.advance(Duration.ofSeconds(31));

    assertRefused(fetch(ks, brief, item()), 401, "SESSION_EXPIRED");
  }

  @Test
  void sessionCreatedInTheFuture_isRefused() throws Exception {
    Requester early = new Requester(bob.identity, clock, List.of("ks-1"), Duration.ofMinutes(10));
    early.certificate = SessionCertificate.issue(bob.identity, early.session.verifyingKey(),
        clock.instant().plus(Duration.ofMinutes(5)), Duration.ofMinutes(10), List.of("ks-1"));

    assertRefused(fetch(ks, early, item()), 401, "SESSION_NOT_YET_VALID");
  }

  @Test
  void wrongAudience_isRefused() throws Exception {
    Requester elsewhere = new Requester(bob.identity, clock, List.of("ks-2", "ks-3"), Duration.ofMinutes(10));

    assertRefused(fetch(ks, elsewhere, item()), 403, "WRONG_AUDIENCE");
  }

  @Test
  void requestAddressedToAnotherServer_isRefused() throws Exception {
    assertRefused(fetch(ks, requestWith(bob.certificate, bob.session, "ks-2", clock.instant())), 403,
        "WRONG_KEY_SERVER");
  }

  @Test
  void requestTimestampOutsideTheWindow_isRefused() throws Exception {
    assertRefused(fetch(ks, requestWith(bob.certificate, bob.session, "ks-1",
        clock.instant().minus(Duration.ofMinutes(2)))), 401, "STALE_REQUEST");
    assertRefused(fetch(ks, requestWith(bob.certificate, bob.session, "ks-1",
        clock.instant().plus(Duration.ofMinutes(2)))), 401, "STALE_REQUEST");
  }

  @Test
  void replayedRequest_isRefused_theFirstAnswerStands() throws Exception {
    FetchKeyRequest once = bob.request("ks-1", item());
    Buffer body = Buffer.buffer(once.toJson());

    Reply first = post(ks, "/v1/fetch_key", body);
    Reply again = post(ks, "/v1/fetch_key", body);

    assertThat(first.response().items().get(0).isReleased()).isTrue();
    assertRefused(again, 409, "REPLAYED_REQUEST");
    List<AuditEntry> audit = auditEntries();
    assertThat(audit).extracting(e -> e.event().reason()).containsExactly("ALLOWED", "REPLAYED_REQUEST");
    assertThat(audit.get(1).event().requestId()).isEqualTo(once.requestId());
    assertThat(audit.get(1).event().requester()).isEqualTo(bob.address());
  }
}
