package io.cachet.cli.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.crypto.Address;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditVerifyCommandTest {
  @TempDir Path home;

  /** A real log written by the key server's own writer: {@code n} decisions, one per append. */
  private static Path log(Path dataDir, int n) throws Exception {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve("audit.log");
    try (AuditLog log = AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1))) {
      for (int i = 0; i < n; i++) {
        log.append(List.of(new AuditEvent(1_700_000_000_000L + i, AuditEvent.Outcome.RELEASED, "ALLOWED",
            "00112233445566778899aabbccddeeff", Address.of(new byte[32]), "127.0.0.1", PolicyId.of(new byte[32]),
            ObjectId.of(new byte[32]), 1, i, 1_700_000_000_000L, "decision " + i))).get(10, TimeUnit.SECONDS);
      }
    }
    return file;
  }

  @Test
  void devnetLogs_allIntact() throws Exception {
    log(home.resolve("devnet/ks-1"), 5);
    log(home.resolve("devnet/ks-2"), 3);
    CommandRun r = CommandRun.of("audit", "verify", "--home", home.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("ks-1/audit.log: 5 records").contains("ks-2/audit.log: 3 records");
  }

  @Test
  void aFlippedByte_isReportedAtItsRecord_andExitsOne() throws Exception {
    Path file = log(home.resolve("ks"), 6);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 20] ^= 1; // inside the last record's payload
    Files.write(file, bytes);
    CommandRun r = CommandRun.of("audit", "verify", file.toString(), "--json");
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILED);
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertThat(doc.get("ok").asBoolean()).isFalse();
    JsonNode problem = doc.get("logs").get(0).get("problem");
    assertThat(problem.get("record").asLong()).isEqualTo(5);
    assertThat(doc.get("logs").get(0).get("records").asLong()).isEqualTo(5);
  }

  @Test
  void noLogs_isAUsageError_andAMissingFileAnIoError() {
    CommandRun none = CommandRun.of("audit", "verify", "--home", home.toString());
    assertThat(none.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(none.err()).contains("no audit logs under");
    CommandRun missing = CommandRun.of("audit", "verify", home.resolve("nope.log").toString());
    assertThat(missing.exit()).isEqualTo(ExitCodes.IO);
    assertThat(missing.err()).contains("no audit log");
  }
}
