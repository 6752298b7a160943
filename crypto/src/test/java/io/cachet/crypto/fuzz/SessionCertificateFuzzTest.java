package io.cachet.crypto.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.protocol.SessionCertificate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * A session certificate as a key server reads it inside a request.
 * Accepted values must survive the checks their users make and print back to what they parse
 * to. Seeds: {@code SessionCertificateFuzzTestInputs/}.
 */
class SessionCertificateFuzzTest {
  /** The instant the seeds were made at, so that accepted seeds also pass the time checks. */
  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  private static final Duration WINDOW = Duration.ofSeconds(60);

  @FuzzTest(maxDuration = "60s")
  void fromJson_anyBytes_givesValueOrFormatException(byte[] input) throws Exception {
    SessionCertificate value;
    try {
      value = SessionCertificate.fromJson(new String(input, StandardCharsets.UTF_8));
    } catch (FormatException refused) {
      return;
    }
    Refusals.allowed(value::verifySignature);
    Refusals.allowed(() -> value.verifyValidity(NOW, "ks-1", WINDOW));
    assertThat(value.digest()).hasSize(32);
    assertThat(SessionCertificate.fromJson(value.toJson()).toJson()).as("re-encodes to itself")
        .isEqualTo(value.toJson());
  }
}
