package io.cachet.keyserver.audit.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.FormatException;
import io.cachet.keyserver.audit.AuditEntry;

/**
 * An audit entry as {@code cachet keyserver verify-audit} and the key server's own recovery read
 * it: a record payload from a file that may be damaged or forged. An accepted entry re-encodes to
 * exactly its bytes (its hash, which the next entry chains to, depends on it). Seeds: {@code
 * AuditEntryFuzzTestInputs/}.
 */
class AuditEntryFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void decode_anyPayload_givesEntryOrFormatException(byte[] input) throws Exception {
    AuditEntry entry;
    try {
      entry = AuditEntry.decode(input);
    } catch (FormatException refused) {
      return;
    }
    assertThat(entry.encode()).as("an accepted entry is canonical").isEqualTo(input);
    assertThat(AuditEntry.decode(entry.encode())).isEqualTo(entry);
    assertThat(entry.hash()).hasSize(32);
  }
}
