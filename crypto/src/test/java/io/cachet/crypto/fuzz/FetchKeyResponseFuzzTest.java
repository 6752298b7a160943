package io.cachet.crypto.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.protocol.FetchKeyResponse;
import java.nio.charset.StandardCharsets;

/**
 * The {@code fetch_key} response as a client reads it from a key server.
 * Accepted values must survive the checks their users make and print back to what they parse
 * to. Seeds: {@code FetchKeyResponseFuzzTestInputs/}.
 */
class FetchKeyResponseFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void fromJson_anyBytes_givesValueOrFormatException(byte[] input) throws Exception {
    FetchKeyResponse value;
    try {
      value = FetchKeyResponse.fromJson(input);
    } catch (FormatException refused) {
      return;
    }
    assertThat(value.receipt().signedBytes()).isNotEmpty();
    value.sealedShares();
    byte[] again = value.toJson().getBytes(StandardCharsets.UTF_8);
    assertThat(FetchKeyResponse.fromJson(again).toJson()).as("re-encodes to itself").isEqualTo(value.toJson());
  }
}
