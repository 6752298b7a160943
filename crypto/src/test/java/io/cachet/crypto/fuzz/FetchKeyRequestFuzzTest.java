package io.cachet.crypto.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.protocol.FetchKeyRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * The {@code fetch_key} request as a key server reads it off the network.
 * Accepted values must survive the checks their users make and print back to what they parse
 * to. Seeds: {@code FetchKeyRequestFuzzTestInputs/}.
 */
class FetchKeyRequestFuzzTest {
  /** The instant the seeds were made at, so that accepted seeds also pass the time checks. */
  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  private static final Duration WINDOW = Duration.ofSeconds(60);

  @FuzzTest(maxDuration = "60s")
  void fromJson_anyBytes_givesValueOrFormatException(byte[] input) throws Exception {
    FetchKeyRequest value;
    try {
      value = FetchKeyRequest.fromJson(input);
    } catch (FormatException refused) {
      return;
    }
    Refusals.allowed(() -> value.verify("ks-1", NOW, WINDOW));
    assertThat(value.signedBytes()).isNotEmpty();
    byte[] again = value.toJson().getBytes(StandardCharsets.UTF_8);
    assertThat(FetchKeyRequest.fromJson(again).toJson()).as("re-encodes to itself").isEqualTo(value.toJson());
  }
}
