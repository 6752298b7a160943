package io.cachet.policy.journal;

import static io.cachet.policy.journal.Journals.payload;
import static io.cachet.policy.journal.Journals.payloads;
import static io.cachet.policy.journal.Journals.reopen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appending, group commit, the pinned format, and how the journal fails. */
class JournalTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("ledger.cjnl");
  }

  @Test
  void format_headerAndOneRecord_matchPinnedBytes() throws IOException {
    try (Journal journal = Journal.open(file(), payload -> {})) {
      journal.append("123456789".getBytes(StandardCharsets.US_ASCII));
    }
    // "CJNL", version 2, three zero bytes; then length 9, the CRC32C check value (the CRC32C of
    // "123456789"), the CRC32C of the eight bytes 00000009e3069283, and the payload.
    assertThat(HexFormat.of().formatHex(Files.readAllBytes(file())))
        .isEqualTo(
            "434a4e4c02000000" + "00000009" + "e3069283" + "9e0bd8d0" + "313233343536373839");
  }

  @Test
  void open_missingFile_createsEmptyJournal() throws IOException {
    try (Journal journal = Journal.open(file(), payload -> {})) {
      assertThat(journal.recordCount()).isZero();
      assertThat(journal.size()).isEqualTo(Journals.FILE_HEADER);
      assertThat(journal.recovery()).isEqualTo(new RecoveryReport(0, 8, 0));
    }
    assertThat(Files.size(file())).isEqualTo(Journals.FILE_HEADER);
  }

  @Test
  void appendAndReopen_manyRecordsOverSeveralSessions_replayedInOrder() throws IOException {
    List<byte[]> written = new ArrayList<>();
    for (int session = 0; session < 3; session++) {
      List<byte[]> replayed = new ArrayList<>();
      try (Journal journal = Journal.open(file(), replayed::add)) {
        assertThat(replayed)
            .usingElementComparator(Arrays::compare)
            .containsExactlyElementsOf(written);
        assertThat(journal.recovery().truncated()).isFalse();
        for (int i = 0; i < 200; i++) {
          byte[] payload = payload(1000L * session + i, 1 + (i * 37) % 2000);
          assertThat(journal.append(payload)).isEqualTo(written.size() + 1);
          written.add(payload);
        }
        byte[] block = payload(session, 1 << 20);
        journal.append(block);
        written.add(block);
        assertThat(journal.recordCount()).isEqualTo(written.size());
        assertThat(journal.size()).isEqualTo(Journals.offsets(written)[written.size()]);
      }
    }
    assertThat(reopen(file()).payloads())
        .usingElementComparator(Arrays::compare)
        .containsExactlyElementsOf(written);
  }

  @Test
  void appendList_groupCommit_writesAllRecordsAndReturnsCount() throws IOException {
    List<byte[]> first = payloads(10, 1, 4096, 300);
    List<byte[]> second = payloads(7, 70_000);
    try (Journal journal = Journal.open(file(), payload -> {})) {
      assertThat(journal.append(first)).isEqualTo(4);
      assertThat(journal.append(second)).isEqualTo(6);
    }
    List<byte[]> all = new ArrayList<>(first);
    all.addAll(second);
    assertThat(Files.size(file())).isEqualTo(Journals.offsets(all)[6]);
    assertThat(reopen(file()).payloads())
        .usingElementComparator(Arrays::compare)
        .containsExactlyElementsOf(all);
  }

  @Test
  void appendList_empty_writesNothing() throws IOException {
    try (Journal journal = Journal.open(file(), payload -> {})) {
      journal.append(payload(1, 5));
      assertThat(journal.append(List.of())).isEqualTo(1);
      assertThat(journal.size()).isEqualTo(Journals.FILE_HEADER + Journals.RECORD_HEADER + 5);
    }
  }

  @Test
  void appendList_oneBadPayload_writesNoneOfThem() throws IOException {
    try (Journal journal = Journal.open(file(), payload -> {})) {
      assertThatThrownBy(() -> journal.append(List.of(payload(1, 5), new byte[0])))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("payload 1");
      assertThat(journal.recordCount()).isZero();
      assertThat(Files.size(file())).isEqualTo(Journals.FILE_HEADER);
    }
  }

  @Test
  void append_emptyOrNull_throws() throws IOException {
    try (Journal journal = Journal.open(file(), payload -> {})) {
      assertThatThrownBy(() -> journal.append(new byte[0]))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> journal.append((byte[]) null))
          .isInstanceOf(NullPointerException.class);
      assertThat(journal.recordCount()).isZero();
    }
  }

  @Test
  void append_oversized_throwsAndJournalStaysUsable() throws IOException {
    try (Journal journal = Journal.open(file(), payload -> {})) {
      assertThatThrownBy(() -> journal.append(new byte[Journal.MAX_PAYLOAD_LENGTH + 1]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(String.valueOf(Journal.MAX_PAYLOAD_LENGTH + 1));
      assertThat(Files.size(file())).isEqualTo(Journals.FILE_HEADER);
      journal.append(payload(1, 10));
      journal.append(payload(2, Journal.MAX_PAYLOAD_LENGTH)); // the maximum itself is allowed
    }
    assertThat(reopen(file()).payloads())
        .usingElementComparator(Arrays::compare)
        .containsExactly(payload(1, 10), payload(2, Journal.MAX_PAYLOAD_LENGTH));
  }

  @Test
  void append_afterClose_throwsIllegalState() throws IOException {
    Journal journal = Journal.open(file(), payload -> {});
    journal.close();
    journal.close(); // idempotent
    assertThatThrownBy(() -> journal.append(payload(1, 5)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void append_failedWrite_stopsJournalAndReopenRecovers() throws IOException {
    Journal journal = Journal.open(file(), payload -> {});
    journal.append(payload(1, 100));
    // A real failure without mocks: an interrupt closes the file channel under the write.
    Thread.currentThread().interrupt();
    try {
      // the record log logs the stop itself (event=record_log_stopped)
      assertThatThrownBy(() -> journal.append(payload(2, 100)))
          .isInstanceOf(ClosedByInterruptException.class);
    } finally {
      Thread.interrupted();
    }
    assertThatThrownBy(() -> journal.append(payload(3, 100)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("stopped")
        .hasCauseInstanceOf(ClosedByInterruptException.class);
    assertThat(journal.recordCount()).isEqualTo(1);
    journal.close();

    List<byte[]> recovered = reopen(file()).payloads();
    assertThat(recovered).usingElementComparator(Arrays::compare).startsWith(payload(1, 100));
    assertThat(recovered).hasSizeLessThanOrEqualTo(2);
  }

  @Test
  void open_whileAlreadyOpen_refused() throws IOException {
    try (Journal journal = Journal.open(file(), payload -> {})) {
      assertThatThrownBy(() -> Journal.open(file(), payload -> {}))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file().toString())
          .hasMessageContaining("already open");
      journal.append(payload(1, 5));
    }
    assertThat(reopen(file()).payloads()).hasSize(1);
  }

  @Test
  void open_replayThrows_propagatesAndReleasesFile() throws IOException {
    Journals.write(file(), payloads(5, 6));
    assertThatThrownBy(
            () ->
                Journal.open(
                    file(),
                    payload -> {
                      throw new IllegalStateException("sequencer rejects block");
                    }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(reopen(file()).payloads()).hasSize(2);
  }

  @Test
  void open_emptyFile_initialisedAsJournal() throws IOException {
    Files.createFile(file());
    try (Journal journal = Journal.open(file(), payload -> {})) {
      journal.append(payload(1, 5));
    }
    assertThat(reopen(file()).payloads()).hasSize(1);
  }

  @Test
  void open_headerCutShort_headerCompleted() throws IOException {
    Files.write(file(), new byte[] {'C', 'J', 'N'});
    assertThat(reopen(file()).report()).isEqualTo(new RecoveryReport(0, 8, 0));
    assertThat(HexFormat.of().formatHex(Files.readAllBytes(file()))).isEqualTo("434a4e4c02000000");
  }

  @Test
  void open_shortFileThatIsNotAHeader_refused() throws IOException {
    byte[] junk = {'J', 'U', 'N', 'K'};
    Files.write(file(), junk);
    assertThatThrownBy(() -> Journal.open(file(), payload -> {}))
        .isInstanceOf(JournalCorruptedException.class)
        .hasMessageContaining(file().toString());
    assertThat(Files.readAllBytes(file())).isEqualTo(junk);
  }
}
