package io.cachet.crypto.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.FormatException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The envelope header as a reader meets it: the first bytes of a downloaded blob. Both entry
 * points are fed, since {@link EnvelopeHeader#read} trusts the declared length to size a buffer.
 * Seeds: {@code EnvelopeHeaderFuzzTestInputs/}; docs/FUZZING.md says how to fuzz it.
 */
class EnvelopeHeaderFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void parse_anyBytes_givesCanonicalHeaderOrFormatException(byte[] input) throws Exception {
    try {
      EnvelopeHeader h = EnvelopeHeader.parse(input);
      assertThat(h.encoded()).as("an accepted header is canonical").isEqualTo(input);
      assertThat(EnvelopeHeader.parse(h.encoded())).isEqualTo(h);
      for (int slot = 1; slot <= h.slots().size(); slot++) {
        assertThat(h.shareContext(slot)).isNotNull();
      }
    } catch (FormatException refused) {
      // the one exception the parser documents
    }
    try {
      InputStream in = new ByteArrayInputStream(input);
      EnvelopeHeader h = EnvelopeHeader.read(in);
      assertThat(h.encoded()).isEqualTo(Arrays.copyOf(input, h.encodedLength()));
    } catch (FormatException refused) {
      // as above
    }
  }
}
