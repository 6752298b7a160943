package io.cachet.crypto.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.VerifyingKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class Eip712SessionCertificateProperties {
  private static final EvmIdentity SIGNER = EvmIdentity.generate(new SecureRandom());

  @Provide
  Arbitrary<List<String>> audiences() {
    return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789.-_:").ofMinLength(1).ofMaxLength(24)
        .list().ofMinSize(1).ofMaxSize(SessionCertificate.MAX_AUDIENCE);
  }

  @Property(tries = 60)
  void issuedCertificate_verifiesAndSurvivesJson(
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long chainId,
      @ForAll @Size(32) byte[] sessionKey,
      @ForAll @LongRange(min = 0, max = 4_102_444_800_000L) long createdAtMillis,
      @ForAll @IntRange(min = 1, max = 1800) int ttlSeconds,
      @ForAll("audiences") List<String> audience) throws Exception {
    SessionCertificate cert = SIGNER.certify(chainId, VerifyingKey.of(sessionKey),
        Instant.ofEpochMilli(createdAtMillis), Duration.ofSeconds(ttlSeconds), audience);
    cert.verifySignature();
    SessionCertificate back = SessionCertificate.fromJson(cert.toJson());
    back.verifySignature();
    assertThat(back.toJson()).isEqualTo(cert.toJson());
    assertThat(back.digest()).isEqualTo(cert.digest());
    assertThat(back.address()).isEqualTo(SIGNER.address());
    assertThat(back.chainId()).isEqualTo(chainId);
  }
}
