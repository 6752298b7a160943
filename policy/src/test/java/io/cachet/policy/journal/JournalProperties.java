package io.cachet.policy.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Round trips, random truncation and random header damage over random payloads, on real files.
 */
class JournalProperties {
  private static final int MAX_TEST_PAYLOAD = 10 * 1024;

  @Property(tries = 150)
  void payloads_roundTripExactly(
      @ForAll("payloadLists") List<byte[]> payloads, @ForAll @IntRange(min = 0, max = 30) int split)
      throws IOException {
    Path dir = Files.createTempDirectory("journal-property");
    try (Journals.LogCapture log = new Journals.LogCapture()) {
      Path file = dir.resolve("ledger.cjnl");
      int singles = Math.min(split, payloads.size());
      try (Journal journal = Journal.open(file, payload -> {})) {
        for (byte[] payload : payloads.subList(0, singles)) {
          journal.append(payload);
        }
        assertThat(journal.append(payloads.subList(singles, payloads.size())))
            .isEqualTo(payloads.size());
      }

      Journals.Reopened reopened = Journals.reopen(file);
      assertThat(reopened.payloads())
          .usingElementComparator(Arrays::compare)
          .containsExactlyElementsOf(payloads);
      assertThat(reopened.report().truncated()).isFalse();
      assertThat(log.warnings()).isEmpty();
    } finally {
      delete(dir);
    }
  }

  @Property(tries = 150)
  void truncationAnywhere_recoversAPrefix(
      @ForAll("payloadLists") List<byte[]> payloads,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int cutSeed)
      throws IOException {
    Path dir = Files.createTempDirectory("journal-property");
    try (Journals.LogCapture log = new Journals.LogCapture()) {
      Path file = dir.resolve("ledger.cjnl");
      try (Journal journal = Journal.open(file, payload -> {})) {
        journal.append(payloads);
      }
      long[] offsets = Journals.offsets(payloads);
      long size = offsets[payloads.size()];
      long cut = Journals.FILE_HEADER + cutSeed % (size - Journals.FILE_HEADER + 1);
      Journals.truncate(file, cut);
      int kept = 0;
      while (kept < payloads.size() && offsets[kept + 1] <= cut) {
        kept++;
      }

      Journals.Reopened reopened = Journals.reopen(file);
      assertThat(reopened.payloads())
          .usingElementComparator(Arrays::compare)
          .containsExactlyElementsOf(payloads.subList(0, kept));
      assertThat(reopened.report())
          .isEqualTo(new RecoveryReport(kept, offsets[kept], cut - offsets[kept]));
      assertThat(log.warnings()).hasSize(cut > offsets[kept] ? 1 : 0);
      assertThat(Files.size(file)).isEqualTo(offsets[kept]);
    } finally {
      delete(dir);
    }
  }

  @Property(tries = 150)
  void headerBitFlipInAnyRecord_refusedAtThatRecord(
      @ForAll("payloadLists") List<byte[]> payloads,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int recordSeed,
      @ForAll @IntRange(min = 0, max = Journal.RECORD_HEADER_LENGTH * 8 - 1) int bit)
      throws IOException {
    Assume.that(!payloads.isEmpty());
    Path dir = Files.createTempDirectory("journal-property");
    try {
      Path file = dir.resolve("ledger.cjnl");
      try (Journal journal = Journal.open(file, payload -> {})) {
        journal.append(payloads);
      }
      long offset = Journals.offsets(payloads)[recordSeed % payloads.size()];
      Journals.flipBit(file, offset + bit / 8, bit % 8);
      byte[] before = Files.readAllBytes(file);

      List<byte[]> replayed = new ArrayList<>();
      assertThatThrownBy(() -> Journal.open(file, replayed::add))
          .isInstanceOfSatisfying(
              JournalCorruptedException.class, e -> assertThat(e.offset()).isEqualTo(offset));
      assertThat(replayed).isEmpty();
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
    } finally {
      delete(dir);
    }
  }

  @Provide
  Arbitrary<List<byte[]>> payloadLists() {
    Arbitrary<byte[]> payload =
        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(MAX_TEST_PAYLOAD);
    return payload.list().ofMinSize(0).ofMaxSize(30);
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
