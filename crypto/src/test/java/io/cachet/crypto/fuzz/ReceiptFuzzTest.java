package io.cachet.crypto.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.protocol.Receipt;
import java.nio.charset.StandardCharsets;

/**
 * A key server's receipt as a client or an auditor reads it.
 * Accepted values must survive the checks their users make and print back to what they parse
 * to. Seeds: {@code ReceiptFuzzTestInputs/}.
 */
class ReceiptFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void fromJson_anyBytes_givesValueOrFormatException(byte[] input) throws Exception {
    Receipt value;
    try {
      value = Receipt.fromJson(new String(input, StandardCharsets.UTF_8));
    } catch (FormatException refused) {
      return;
    }
    assertThat(value.signedBytes()).isNotEmpty();
    assertThat(Receipt.fromJson(value.toJson()).toJson()).as("re-encodes to itself").isEqualTo(value.toJson());
  }
}
