package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.common.io.RecordLog;
import io.cachet.crypto.Address;
import io.cachet.crypto.Hex;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.audit.AuditEntry;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log begun by a key server of entry format 1 (no ledger id) is opened, verified and continued
 * by this build, which writes format 2 entries after the old ones in the same hash chain.
 */
class AuditLogFormatsTest {
  /** The audit log's record framing as every build so far has written it: magic CAUD, file version 1. */
  private static final RecordLog.Format FRAMING = new RecordLog.Format("audit log", "CAUD", 1,
      AuditLog.MAX_PAYLOAD_LENGTH);
  private static final String EVM_LEDGER = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";

  @TempDir Path dir;

  private static AuditEvent event(int i, String ledgerId, byte[] blockHash) {
    byte[] id = new byte[32];
    Arrays.fill(id, (byte) i);
    return new AuditEvent(1_700_000_000_000L + i, AuditEvent.Outcome.RELEASED, "ALLOWED",
        Hex.to0x(new byte[16]).substring(2), Address.of(new byte[32]), "127.0.0.1", PolicyId.of(id), ObjectId.of(id),
        1, i, 1_700_000_000_000L, "decision " + i, ledgerId, blockHash);
  }

  /** Writes {@code entries} chained, each in the entry format it carries, as an older build would have. */
  private Path logOf(int count, int version) throws IOException {
    Path file = dir.resolve("audit.log");
    List<byte[]> payloads = new ArrayList<>();
    byte[] previous = AuditEntry.GENESIS;
    for (int i = 0; i < count; i++) {
      AuditEvent e = version == 1 ? event(i, "", new byte[0]) : event(i, EVM_LEDGER, new byte[32]);
      AuditEntry entry = new AuditEntry(version, i, previous, e);
      payloads.add(entry.encode());
      previous = entry.hash();
    }
    try (RecordLog log = RecordLog.open(file, FRAMING, true, (index, offset, payload) -> { })) {
      log.append(payloads, true);
    }
    return file;
  }

  @Test
  void open_aFormat1Log_continuesTheChainWithFormat2Entries_andVerifies() throws Exception {
    Path file = logOf(3, 1);
    List<AuditEvent> replayed = new ArrayList<>();

    try (AuditLog log = AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1), replayed::add)) {
      assertThat(log.records()).isEqualTo(3);
      byte[] hash = new byte[32];
      Arrays.fill(hash, (byte) 0x77);
      assertThat(log.append(List.of(event(3, EVM_LEDGER, hash), event(4, "cachet-devnet", new byte[0])))
          .get(30, TimeUnit.SECONDS)).isEqualTo(4);
    }

    AuditLog.Verification v = AuditLog.verify(file);
    assertThat(v.ok()).as("%s", v.problem()).isTrue();
    assertThat(v.records()).isEqualTo(5);
    List<AuditEntry> entries = AuditLogTest.entries(file);
    assertThat(entries).extracting(AuditEntry::version).containsExactly(1, 1, 1, 2, 2);
    assertThat(entries.get(3).event().ledgerId()).isEqualTo(EVM_LEDGER);
    assertThat(entries.get(3).event().blockHash()).containsOnly(0x77);
    assertThat(entries.get(4).event().ledgerId()).isEqualTo("cachet-devnet");
    assertThat(replayed).hasSize(3).allSatisfy(e -> assertThat(e.ledgerId()).isEmpty());
  }

  @Test
  void verifyAudit_onAFormat1Log_printsOk() throws Exception {
    Path file = logOf(4, 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);

    assertThat(AuditLog.verifyCommand(List.of(file.toString()), o, o))
        .isEqualTo(AuditLog.EXIT_OK);
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("ok records=4 head=0x");
  }

  @Test
  void open_aLogWithAnEntryOfAFormatNotYetKnown_refusesNamingTheFormat() throws Exception {
    Path file = dir.resolve("audit.log");
    byte[] future = new AuditEntry(0, AuditEntry.GENESIS, event(0, EVM_LEDGER, new byte[0])).encode();
    future[15] = '9'; // the tag's version digit: cachet/audit/v9
    try (RecordLog log = RecordLog.open(file, FRAMING, true, (index, offset, payload) -> { })) {
      log.append(List.of(future), true);
    }

    assertThatThrownBy(() -> AuditLog.open(file, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1)))
        .isInstanceOf(IOException.class).hasMessageContaining("cachet/audit/v9");
    AuditLog.Verification v = AuditLog.verify(file);
    assertThat(v.problem().kind()).isEqualTo(AuditLog.Problem.Kind.BAD_ENTRY);
    assertThat(v.problem().what()).contains("cachet/audit/v9").contains("formats 1 to 2");
  }
}
