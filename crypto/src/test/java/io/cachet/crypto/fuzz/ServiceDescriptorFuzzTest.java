package io.cachet.crypto.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.protocol.ServiceDescriptor;
import java.nio.charset.StandardCharsets;

/**
 * What a key server answers on {@code GET /v1/service}, as a client reads it.
 * Accepted values must survive the checks their users make and print back to what they parse
 * to. Seeds: {@code ServiceDescriptorFuzzTestInputs/}.
 */
class ServiceDescriptorFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void fromJson_anyBytes_givesValueOrFormatException(byte[] input) throws Exception {
    ServiceDescriptor value;
    try {
      value = ServiceDescriptor.fromJson(new String(input, StandardCharsets.UTF_8));
    } catch (FormatException refused) {
      return;
    }
    Refusals.allowed(value::verify);
    assertThat(ServiceDescriptor.fromJson(value.toJson()).toJson()).as("re-encodes to itself")
        .isEqualTo(value.toJson());
  }
}
