package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.policy.Window;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A certificate is verified once: a real key server reuses the verified certificate object for
 * a session's later requests, and still refuses whatever is not byte for byte that certificate,
 * and that certificate once it has expired.
 */
class CertificateReuseTest extends KeyServerTestBase {
  private final Identity owner = Identity.generate(Requester.RANDOM);
  private KeyServer ks;
  private Requester bob;
  private EnvelopeHeader header;

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

  private FetchKeyRequest signedWith(SessionCertificate cert) {
    return FetchKeyRequest.create(bob.session, cert, "ks-1", bob.responseKey.publicKey(), item(), clock.instant(),
        Requester.RANDOM);
  }

  @Test
  void secondRequest_withTheSameCertificate_verifiesNeitherTheCertificateNorItsSessionKeyAgain() throws Exception {
    assertThat(fetch(ks, bob, item()).response().items().get(0).isReleased()).isTrue();
    assertThat(ks.certificates().verifications()).isEqualTo(1);
    assertThat(ks.certificates().keyValidations()).isEqualTo(1);

    assertThat(fetch(ks, bob, item()).response().items().get(0).isReleased()).isTrue();
    assertThat(fetch(ks, bob, item()).response().items().get(0).isReleased()).isTrue();

    assertThat(ks.certificates().verifications()).as("certificate signatures verified").isEqualTo(1);
    assertThat(ks.certificates().keyValidations()).as("session keys validated").isEqualTo(1);
    assertThat(ks.certificates().hits()).isEqualTo(2);
    assertThat(ks.metrics().worked("request_verify")).as("every request's own signature is checked").isEqualTo(3);
    assertThat(get(ks, "/metrics").body().toString())
        .contains("cachet_keyserver_certificate_checks_total{result=\"verified\"} 1.0")
        .contains("cachet_keyserver_certificate_checks_total{result=\"cached\"} 2.0")
        .contains("cachet_keyserver_certificates_cached 1.0");
  }

  @Test
  void certificateDifferingInOneByteFromACachedOne_isVerifiedInFull_andAForgedOneRefused() throws Exception {
    assertThat(fetch(ks, bob, item()).response().items().get(0).isReleased()).isTrue();
    SessionCertificate real = bob.certificate;
    // the cached certificate's fields, signed by somebody else for the same session key
    Identity mallory = Identity.generate(Requester.RANDOM);
    SessionCertificate byMallory = SessionCertificate.issue(mallory, real.sessionKey(), real.createdAt(),
        Duration.ofSeconds(real.ttlSeconds()), real.audience());
    SessionCertificate forged = new SessionCertificate(real.address(), real.identityKey(), real.sessionKey(),
        real.createdAtMillis(), real.ttlSeconds(), real.audience(), byMallory.signature());

    Reply refused = fetch(ks, signedWith(forged));

    assertThat(refused.status()).as("%s", refused.body()).isEqualTo(401);
    assertThat(refused.reason()).isEqualTo("BAD_SIGNATURE");
    assertThat(ks.certificates().verifications()).isEqualTo(2);
    assertThat(ks.certificates().hits()).isZero();
    // bob's genuine certificate with one field changed is a new certificate: verified, then taken
    SessionCertificate renewed = SessionCertificate.issue(bob.identity, real.sessionKey(), real.createdAt(),
        Duration.ofSeconds(real.ttlSeconds() - 1), real.audience());
    assertThat(fetch(ks, signedWith(renewed)).response().items().get(0).isReleased()).isTrue();
    assertThat(ks.certificates().verifications()).isEqualTo(3);
  }

  @Test
  void expiredCertificate_isRefused_althoughItIsStillCached() throws Exception {
    assertThat(fetch(ks, bob, item()).response().items().get(0).isReleased()).isTrue();

    clock.advance(Duration.ofMinutes(31));
    // the cache times its entries on the monotonic ticker, which has hardly moved: the entry is there
    assertThat(ks.certificates().holds(bob.certificate)).isTrue();
    Reply r = fetch(ks, bob, item());

    assertThat(r.status()).as("%s", r.body()).isEqualTo(401);
    assertThat(r.reason()).isEqualTo("SESSION_EXPIRED");
    assertThat(ks.certificates().hits()).as("taken from the cache, and refused all the same").isEqualTo(1);
  }
}
