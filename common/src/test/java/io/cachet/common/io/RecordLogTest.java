package io.cachet.common.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordLogTest {
  private static final RecordLog.Format FORMAT = new RecordLog.Format("test log", "CTST", 1, 1024);

  @TempDir Path dir;

  private List<byte[]> reopen(Path file) throws IOException {
    List<byte[]> seen = new ArrayList<>();
    try (RecordLog log = RecordLog.open(file, FORMAT, false, (i, off, p) -> seen.add(p))) {
      assertThat(log.recordCount()).isEqualTo(seen.size());
    }
    return seen;
  }

  private Path written(int records) throws IOException {
    Path file = dir.resolve("x.log");
    try (RecordLog log = RecordLog.open(file, FORMAT, false, (i, off, p) -> {})) {
      for (int i = 0; i < records; i++) {
        log.append(List.of(new byte[] {(byte) i, 1, 2, 3}), true);
      }
    }
    return file;
  }

  @Test
  void append_thenReopen_replaysInOrder() throws Exception {
    Path file = written(5);
    List<byte[]> seen = reopen(file);
    assertThat(seen).hasSize(5);
    for (int i = 0; i < 5; i++) {
      assertThat(seen.get(i)).containsExactly(i, 1, 2, 3);
    }
  }

  @Test
  void open_tornLastRecord_cutsItAndKeepsTheRest() throws Exception {
    Path file = written(3);
    long size = Files.size(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size - 2);
    }
    List<byte[]> seen = new ArrayList<>();
    try (RecordLog log = RecordLog.open(file, FORMAT, false, (i, off, p) -> seen.add(p))) {
      assertThat(log.truncatedBytes()).isEqualTo(RecordLog.RECORD_HEADER_LENGTH + 4 - 2);
      assertThat(seen).hasSize(2);
      log.append(List.of(new byte[] {9}), true);
    }
    assertThat(reopen(file)).hasSize(3);
  }

  @Test
  void open_damageBeforeTheTail_refusesAndChangesNothing() throws Exception {
    Path file = written(3);
    byte[] before = Files.readAllBytes(file);
    byte[] damaged = before.clone();
    damaged[RecordLog.FILE_HEADER_LENGTH + RecordLog.RECORD_HEADER_LENGTH + 1] ^= 1;
    Files.write(file, damaged);
    assertThatThrownBy(() -> reopen(file)).isInstanceOf(CorruptRecordLogException.class)
        .hasMessageContaining("CORRUPT_RECORD at record 0");
    assertThat(Files.readAllBytes(file)).isEqualTo(damaged);
  }

  @Test
  void open_otherVersion_namesTheVersion() throws Exception {
    Path file = written(1);
    RecordLog.Format v2 = new RecordLog.Format("test log", "CTST", 2, 1024);
    assertThatThrownBy(() -> RecordLog.open(file, v2, false, (i, off, p) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("format version 1 (this build reads version 2)");
  }

  @Test
  void open_recordRejectedByItsReader_refusesNamingTheRecord() throws Exception {
    Path file = written(3);
    assertThatThrownBy(() -> RecordLog.open(file, FORMAT, false, (i, off, p) -> {
      if (i == 2) {
        throw new RecordLog.RejectedRecordException("BROKEN_CHAIN", "link broken");
      }
    })).isInstanceOf(CorruptRecordLogException.class).hasMessageContaining("BROKEN_CHAIN at record 2");
    RecordLog.Inspection found = RecordLog.inspect(file, FORMAT, (i, off, p) -> {
      if (i == 1) {
        throw new RecordLog.RejectedRecordException("BAD_ENTRY", "not an entry");
      }
    });
    assertThat(found.problem().kind()).isEqualTo(RecordLog.Problem.Kind.REJECTED);
    assertThat(found.problem().rejectedAs()).isEqualTo("BAD_ENTRY");
    assertThat(found.problem().record()).isEqualTo(1);
  }

  @Test
  void append_afterClose_throws() throws Exception {
    Path file = dir.resolve("y.log");
    RecordLog log = RecordLog.open(file, FORMAT, false, (i, off, p) -> {});
    log.close();
    assertThatThrownBy(() -> log.append(List.of(new byte[] {1}), true)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void append_oversizedPayload_refusedAndLogStaysUsable() throws Exception {
    Path file = dir.resolve("z.log");
    try (RecordLog log = RecordLog.open(file, FORMAT, false, (i, off, p) -> {})) {
      assertThatThrownBy(() -> log.append(List.of(new byte[] {1}, new byte[1025]), true))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(log.append(List.of(new byte[] {1}), true)).isEqualTo(1);
    }
  }

  @Test
  void open_ownerOnly_createsA0600File() throws Exception {
    Path file = dir.resolve("private.log");
    RecordLog.open(file, FORMAT, true, (i, off, p) -> {}).close();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
  }

  @Test
  void open_secondWriter_isRefused() throws Exception {
    Path file = dir.resolve("locked.log");
    try (RecordLog first = RecordLog.open(file, FORMAT, false, (i, off, p) -> {})) {
      assertThatThrownBy(() -> RecordLog.open(file, FORMAT, false, (i, off, p) -> {}))
          .hasMessageContaining("is locked");
    }
  }

  @Test
  void read_atOffsetsHandedOut_returnsThePayload_andRefusesOthers() throws Exception {
    Path file = written(3);
    List<Long> offsets = new ArrayList<>();
    try (RecordLog log = RecordLog.open(file, FORMAT, false, (i, off, p) -> offsets.add(off))) {
      long next = log.size();
      log.append(List.of(new byte[] {42}), true);
      assertThat(log.read(offsets.get(1))).containsExactly(1, 1, 2, 3);
      assertThat(log.read(next)).containsExactly(42);
      // an offset inside a record is not a record: its bytes fail the header's own CRC
      assertThatThrownBy(() -> log.read(next + 1)).isInstanceOf(CorruptRecordLogException.class);
      assertThatThrownBy(() -> log.read(3)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
