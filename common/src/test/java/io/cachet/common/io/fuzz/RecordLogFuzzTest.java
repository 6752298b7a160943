package io.cachet.common.io.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.common.io.RecordLog;
import io.cachet.common.io.RecordLog.Inspection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A record file as recovery meets it after a crash or a disk fault: any bytes at all. Checked:
 * {@link RecordLog#inspect} and {@link RecordLog#open} throw nothing but {@link IOException}; they
 * agree (a file inspection finds sound or torn opens, with the same records); a file that opened
 * is sound afterwards and takes an append that a reopening reads back. Seeds: {@code
 * RecordLogFuzzTestInputs/}.
 */
class RecordLogFuzzTest {
  /** A small maximum, so that the length check is easy to reach from both sides. */
  private static final RecordLog.Format FORMAT = new RecordLog.Format("fuzz log", "FUZZ", 1, 4096);

  private static final Path DIR = temporaryDirectory();

  @FuzzTest(maxDuration = "60s")
  void openAndInspect_anyFileBytes_recoverOrRefuseWithIOException(byte[] input) throws Exception {
    Path file = DIR.resolve("records.log");
    Files.write(file, input);
    try {
      check(file, input);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static void check(Path file, byte[] input) throws IOException {
    List<byte[]> inspected = new ArrayList<>();
    Inspection inspection = RecordLog.inspect(file, FORMAT, (i, offset, payload) -> inspected.add(payload));
    List<byte[]> replayed = new ArrayList<>();
    RecordLog log;
    try {
      log = RecordLog.open(file, FORMAT, true, (i, offset, payload) -> replayed.add(payload));
    } catch (IOException refused) {
      assertThat(inspection.ok()).as("open refuses only what inspection finds damaged").isFalse();
      return;
    }
    byte[] appended = "after recovery".getBytes(StandardCharsets.UTF_8);
    try (log) {
      if (input.length >= RecordLog.FILE_HEADER_LENGTH) {
        assertThat(replayed).as("open replays what inspection saw").hasSameSizeAs(inspected);
      }
      log.append(List.of(appended), true);
    }
    List<byte[]> again = new ArrayList<>();
    Inspection after = RecordLog.inspect(file, FORMAT, (i, offset, payload) -> again.add(payload));
    assertThat(after.ok()).as("a recovered log is sound: %s", after.problem()).isTrue();
    assertThat(again).hasSize(replayed.size() + 1);
    assertThat(again.get(again.size() - 1)).isEqualTo(appended);
  }

  private static Path temporaryDirectory() {
    try {
      Path dir = Files.createTempDirectory("cachet-fuzz-records");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
