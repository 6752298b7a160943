package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.protocol.SessionCertificate;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The cache of verified session certificates on its own, with real keys and signatures, a fixed
 * clock and a ticker the test moves.
 */
class CertificateCacheTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Instant NOW = Instant.parse("2026-12-07T06:00:00Z");

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final AtomicLong ticker = new AtomicLong();
  private final CertificateCache cache = new CertificateCache(clock, ticker::get, CertificateCache.MAX_WEIGHT);
  private final Identity bob = Identity.generate(RANDOM);
  private final Identity session = Identity.generate(RANDOM);

  private SessionCertificate issue(Identity who, Duration ttl) {
    return SessionCertificate.issue(who, session.verifyingKey(), NOW, ttl, List.of("ks-1"));
  }

  @Test
  void sameCertificate_parsedAgain_isTheVerifiedObject_withNoVerificationAndNoKeyValidation() throws Exception {
    SessionCertificate first = issue(bob, Duration.ofMinutes(10));
    assertThat(cache.verified(first)).isSameAs(first);
    assertThat(cache.verifications()).isEqualTo(1);
    assertThat(cache.keyValidations()).isEqualTo(1);

    // as the next request brings it: the same bytes, parsed into new objects
    SessionCertificate again = SessionCertificate.fromJson(first.toJson());
    assertThat(again).isNotSameAs(first);
    SessionCertificate used = cache.verified(again);

    assertThat(used).isSameAs(first);
    assertThat(used.sessionKey()).as("the validated key object, not the freshly parsed one")
        .isSameAs(first.sessionKey()).isNotSameAs(again.sessionKey());
    assertThat(cache.verifications()).isEqualTo(1);
    assertThat(cache.keyValidations()).isEqualTo(1);
    assertThat(cache.hits()).isEqualTo(1);
  }

  @Test
  void certificateDifferingInAnyByte_isVerifiedInFull() throws Exception {
    SessionCertificate real = issue(bob, Duration.ofMinutes(10));
    cache.verified(real);
    byte[] sig = real.signature();
    sig[17] ^= 0x01;
    SessionCertificate flipped = new SessionCertificate(real.address(), real.identityKey(), real.sessionKey(),
        real.createdAtMillis(), real.ttlSeconds(), real.audience(), sig);
    assertThatThrownBy(() -> cache.verified(flipped)).isInstanceOf(InvalidSignatureException.class);

    // bob's own certificate with one field changed: genuinely signed, so verified in full and taken
    SessionCertificate longer = issue(bob, Duration.ofMinutes(11));
    assertThat(cache.verified(longer)).isSameAs(longer);
    assertThat(cache.verifications()).isEqualTo(3);
    assertThat(cache.hits()).isZero();
  }

  @Test
  void forgedCertificate_presentedUnderACachedCertificatesDigest_isVerifiedInFull_andRefused() throws Exception {
    SessionCertificate real = issue(bob, Duration.ofMinutes(10));
    cache.verified(real);
    // shares nothing with the cached one but the digest it is presented under, as a collision would
    Identity mallory = Identity.generate(RANDOM);
    SessionCertificate byMallory = SessionCertificate.issue(mallory, Identity.generate(RANDOM).verifyingKey(), NOW,
        Duration.ofMinutes(5), List.of("ks-1"));
    SessionCertificate forged = new SessionCertificate(bob.address(), mallory.verifyingKey(),
        byMallory.sessionKey(), byMallory.createdAtMillis(), byMallory.ttlSeconds(), byMallory.audience(),
        byMallory.signature());

    assertThatThrownBy(() -> cache.verified(real.digest(), forged)).isInstanceOf(InvalidSignatureException.class)
        .hasMessageContaining("does not belong to its identity key");
    assertThat(cache.hits()).isZero();
    assertThat(cache.verifications()).isEqualTo(2);
    // and a sound certificate under that digest is its own object, not the cached one
    assertThat(cache.verified(real.digest(), byMallory)).isSameAs(byMallory);
    // which took the digest's place: the real one costs a verification again, nothing more
    assertThat(cache.holds(real)).isFalse();
    assertThat(cache.verified(real)).isSameAs(real);
    assertThat(cache.verifications()).isEqualTo(4);
  }

  @Test
  void certificateWithASmallOrderSessionKey_isRefused_andNotRemembered() throws Exception {
    SessionCertificate weak = SessionCertificate.issue(bob, io.cachet.crypto.VerifyingKey.of(new byte[32]), NOW,
        Duration.ofMinutes(10), List.of("ks-1"));

    assertThatThrownBy(() -> cache.verified(weak)).isInstanceOf(InvalidSignatureException.class)
        .hasMessageContaining("session key is not a valid Ed25519 public key");
    assertThat(cache.holds(weak)).isFalse();
  }

  @Test
  void entry_leavesAtItsCertificatesExpiry_onTheTicker() throws Exception {
    SessionCertificate cert = issue(bob, Duration.ofMinutes(10));
    cache.verified(cert);
    ticker.addAndGet(Duration.ofMinutes(10).minusMillis(1).toNanos());
    assertThat(cache.holds(cert)).isTrue();
    ticker.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(cache.holds(cert)).isFalse();
    assertThat(cache.size()).isZero();
  }

  @Test
  void certificateAlreadyExpired_isVerified_butNotRemembered() throws Exception {
    SessionCertificate old = SessionCertificate.issue(bob, session.verifyingKey(), NOW.minusSeconds(120),
        Duration.ofMinutes(1), List.of("ks-1"));
    assertThat(cache.verified(old)).isSameAs(old);
    assertThat(cache.size()).isZero();
  }

  @Test
  void cache_staysWithinItsWeight_asCertificatesKeepComing() throws Exception {
    long room = 10L * (CertificateCache.ENTRY_OVERHEAD + 256);
    CertificateCache small = new CertificateCache(clock, ticker::get, room);
    for (int i = 0; i < 200; i++) {
      small.verified(SessionCertificate.issue(bob, Identity.generate(RANDOM).verifyingKey(), NOW,
          Duration.ofMinutes(10), List.of("ks-1")));
    }
    assertThat(small.verifications()).isEqualTo(200);
    assertThat(small.size()).isBetween(1L, 10L);
  }
}
