package io.cachet.policy.journal;

import static io.cachet.policy.journal.Journals.RECORD_HEADER;
import static io.cachet.policy.journal.Journals.flipBit;
import static io.cachet.policy.journal.Journals.offsets;
import static io.cachet.policy.journal.Journals.payload;
import static io.cachet.policy.journal.Journals.payloads;
import static io.cachet.policy.journal.Journals.putInt;
import static io.cachet.policy.journal.Journals.reopen;
import static io.cachet.policy.journal.Journals.sealHeader;
import static io.cachet.policy.journal.Journals.zero;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recovery rules, exercised by damaging real bytes at chosen offsets: a torn tail is cut off and
 * reported; damage anywhere else refuses to open, names the file and offset, and writes nothing.
 * Tests named "sealed" recompute the damaged header's CRC ({@link Journals#sealHeader}) to reach
 * the rules behind the header check.
 */
class JournalRecoveryTest {
  /** Five records; the middle one (index 2) is the usual victim, the last is 300 bytes. */
  private static final List<byte[]> RECORDS = payloads(40, 1, 5000, 17, 300);

  private static final long[] OFFSETS = offsets(RECORDS);
  private static final int MIDDLE = 2;
  private static final int LAST = RECORDS.size() - 1;

  @TempDir Path dir;
  private Path file;

  @BeforeEach
  void writeJournal() throws IOException {
    file = dir.resolve("ledger.cjnl");
    Journals.write(file, RECORDS);
  }

  // ---------------------------------------------------------------------------------------------
  // Torn tails
  // ---------------------------------------------------------------------------------------------

  @Test
  void truncatedAtEveryOffsetInLastRecord_recoversPreviousRecordsAndAcceptsAppends()
      throws IOException {
    byte[] whole = Files.readAllBytes(file);
    List<byte[]> previous = RECORDS.subList(0, LAST);
    long start = OFFSETS[LAST];
    try (Journals.LogCapture log = new Journals.LogCapture()) {
      for (long cut = start; cut < whole.length; cut++) {
        tornAt(cut, whole, previous, start);
      }
      // One warning per cut that left bytes to drop; none for the cut at the record boundary.
      assertThat(log.warnings())
          .hasSize((int) (whole.length - start - 1))
          .allSatisfy(
              warning -> assertThat(warning).contains(file.toString(), "at offset " + start));
    }
  }

  /** Cuts the journal at {@code cut}, recovers it, appends one record and recovers again. */
  private void tornAt(long cut, byte[] whole, List<byte[]> previous, long start)
      throws IOException {
    Files.write(file, Arrays.copyOf(whole, (int) cut));
    byte[] next = payload(cut, 50);

    List<byte[]> replayed = new ArrayList<>();
    try (Journal journal = Journal.open(file, replayed::add)) {
      assertThat(replayed)
          .as("cut at %d", cut)
          .usingElementComparator(Arrays::compare)
          .containsExactlyElementsOf(previous);
      assertThat(journal.recovery())
          .as("cut at %d", cut)
          .isEqualTo(new RecoveryReport(LAST, start, cut - start));
      assertThat(Files.size(file)).isEqualTo(start);
      assertThat(journal.append(next)).isEqualTo(LAST + 1);
    }

    List<byte[]> expected = new ArrayList<>(previous);
    expected.add(next);
    Journals.Reopened again = reopen(file);
    assertThat(again.payloads())
        .as("cut at %d, reopened after append", cut)
        .usingElementComparator(Arrays::compare)
        .containsExactlyElementsOf(expected);
    assertThat(again.report().truncated()).isFalse();
  }

  @Test
  void flippedBitInLastPayload_tornTailCutOff() throws IOException {
    flipBit(file, OFFSETS[LAST] + RECORD_HEADER + 123, 4);
    assertRecoveredWithoutLastRecord();
  }

  @Test
  void lastPayloadCrcWrongUnderSealedHeader_tornTailCutOff() throws IOException {
    // Rule 5: a sound header, a payload that fails its CRC, ending the file.
    flipBit(file, OFFSETS[LAST] + 4, 0);
    sealHeader(file, OFFSETS[LAST]);
    assertRecoveredWithoutLastRecord();
  }

  @Test
  void lastLengthGrownPastEndOfFileUnderSealedHeader_tornTailCutOff() throws IOException {
    // Rule 3: what an append torn inside its payload looks like.
    putInt(file, OFFSETS[LAST], 301);
    sealHeader(file, OFFSETS[LAST]);
    assertRecoveredWithoutLastRecord();
  }

  @Test
  void lastPayloadZeroed_tornTailCutOff() throws IOException {
    // The header landed, the payload's blocks did not: rule 5, the record ends the file.
    zero(file, OFFSETS[LAST] + RECORD_HEADER, RECORDS.get(LAST).length);
    assertRecoveredWithoutLastRecord();
  }

  @Test
  void lastRecordZeroedEntirely_tornTailCutOff() throws IOException {
    // Rule 2's exception: a file extended with zeroed blocks before the record landed.
    zero(file, OFFSETS[LAST], RECORD_HEADER + RECORDS.get(LAST).length);
    assertRecoveredWithoutLastRecord();
  }

  @ParameterizedTest
  @ValueSource(ints = {RECORD_HEADER, RECORD_HEADER + 1, 4096, 100_000})
  void zeroFilledTailAfterCompleteRecords_tornTailCutOff(int zeros) throws IOException {
    // Rule 2's exception: zeros where a header belongs, and nothing but zeros to the end.
    Journals.append(file, new byte[zeros]);
    assertTornTailCutAt(RECORDS.size(), "zero bytes");

    byte[] next = payload(99, 60);
    try (Journal journal = Journal.open(file, payload -> {})) {
      assertThat(journal.append(next)).isEqualTo(RECORDS.size() + 1);
    }
    List<byte[]> expected = new ArrayList<>(RECORDS);
    expected.add(next);
    assertThat(reopen(file).payloads())
        .usingElementComparator(Arrays::compare)
        .containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, RECORD_HEADER - 1})
  void fewerBytesThanAHeaderAfterCompleteRecords_tornTailCutOff(int count) throws IOException {
    // Rule 1: whatever they hold, too few bytes for a header are a header cut short.
    byte[] extra = new byte[count];
    Arrays.fill(extra, (byte) 0x5a);
    Journals.append(file, extra);
    assertTornTailCutAt(RECORDS.size(), "record header cut short");
  }

  private void assertRecoveredWithoutLastRecord() throws IOException {
    assertTornTailCutAt(LAST, "");
  }

  /** Opens the journal and checks that it kept the first {@code kept} records and cut the rest. */
  private void assertTornTailCutAt(int kept, String reason) throws IOException {
    long before = Files.size(file);
    long dropped = before - OFFSETS[kept];
    Journals.Reopened reopened;
    try (Journals.LogCapture log = new Journals.LogCapture()) {
      reopened = reopen(file);
      assertThat(log.warnings())
          .singleElement()
          .asString()
          .contains(
              file.toString(),
              "torn tail of " + dropped + " bytes at offset " + OFFSETS[kept],
              reason);
    }
    assertThat(reopened.payloads())
        .usingElementComparator(Arrays::compare)
        .containsExactlyElementsOf(RECORDS.subList(0, kept));
    assertThat(reopened.report()).isEqualTo(new RecoveryReport(kept, OFFSETS[kept], dropped));
    assertThat(Files.size(file)).isEqualTo(OFFSETS[kept]);
  }

  // ---------------------------------------------------------------------------------------------
  // Damage before the tail
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {13, 14, 16, 20, 23})
  void middleLengthWithHighBitFlippedPastEndOfFile_refused(int bit) throws IOException {
    // The damage the header CRC exists for: a larger, still valid length that runs past the end
    // of the file looks exactly like a torn payload, and would cut off this and every later
    // record if it were trusted.
    flipBit(file, OFFSETS[MIDDLE] + 3 - bit / 8, bit % 8);
    long length = Integer.toUnsignedLong(readInt(OFFSETS[MIDDLE]));
    assertThat(length).isEqualTo(RECORDS.get(MIDDLE).length | (1L << bit));
    assertThat(length).isBetween(1L, (long) Journal.MAX_PAYLOAD_LENGTH);
    assertThat(OFFSETS[MIDDLE] + RECORD_HEADER + length).isGreaterThan(Files.size(file));
    assertRefusedAt(OFFSETS[MIDDLE]);
  }

  @Test
  void lastLengthGrownPastEndOfFile_refused() throws IOException {
    // Without a matching header CRC, even the last header's length is damage, not a torn write.
    putInt(file, OFFSETS[LAST], 301);
    assertRefusedAt(OFFSETS[LAST]);
  }

  @Test
  void flippedBitInMiddlePayload_refusedNamingFileAndOffset() throws IOException {
    flipBit(file, OFFSETS[MIDDLE] + RECORD_HEADER + 2500, 7);
    assertRefusedAt(OFFSETS[MIDDLE]);
  }

  @Test
  void flippedBitInMiddleCrc_refused() throws IOException {
    flipBit(file, OFFSETS[MIDDLE] + 6, 3);
    assertRefusedAt(OFFSETS[MIDDLE]);
  }

  @Test
  void middlePayloadCrcWrongUnderSealedHeader_refused() throws IOException {
    flipBit(file, OFFSETS[MIDDLE] + 6, 3);
    sealHeader(file, OFFSETS[MIDDLE]);
    assertRefusedAt(OFFSETS[MIDDLE]);
  }

  @Test
  void flippedBitInLastPayloadCrc_refused() throws IOException {
    // A complete header with a wrong byte in it is never a torn append.
    flipBit(file, OFFSETS[LAST] + 4, 0);
    assertRefusedAt(OFFSETS[LAST]);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4}) // MIDDLE, LAST
  void flippedBitInHeaderCrc_refused(int record) throws IOException {
    // For the last record: a wrong header CRC followed by non-zero bytes (its payload).
    flipBit(file, OFFSETS[record] + 9, 5);
    assertRefusedAt(OFFSETS[record]);
  }

  @Test
  void flippedBitInFirstPayload_refusedAtFirstRecord() throws IOException {
    flipBit(file, OFFSETS[0] + RECORD_HEADER, 0);
    assertRefusedAt(OFFSETS[0]);
  }

  @ParameterizedTest
  @CsvSource({
    "0, false", "-2147483648, false", "16777217, false", "-1, false",
    "0, true", "-2147483648, true", "16777217, true", "-1, true"
  })
  void middleLengthInvalid_refused(int length, boolean sealed) throws IOException {
    putInt(file, OFFSETS[MIDDLE], length);
    if (sealed) {
      sealHeader(file, OFFSETS[MIDDLE]); // rule 4 rather than rule 2
    }
    assertRefusedAt(OFFSETS[MIDDLE]);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void middleLengthLandingInsideNextRecord_refused(boolean sealed) throws IOException {
    putInt(file, OFFSETS[MIDDLE], RECORDS.get(MIDDLE).length + RECORD_HEADER + 3);
    if (sealed) {
      sealHeader(file, OFFSETS[MIDDLE]);
    }
    assertRefusedAt(OFFSETS[MIDDLE]);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void middleLengthShortened_refused(boolean sealed) throws IOException {
    putInt(file, OFFSETS[MIDDLE], RECORDS.get(MIDDLE).length - 1);
    if (sealed) {
      sealHeader(file, OFFSETS[MIDDLE]);
    }
    assertRefusedAt(OFFSETS[MIDDLE]);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void lastLengthShortened_refusedBecauseBytesFollow(boolean sealed) throws IOException {
    // Sealed, a shorter length leaves bytes after the record: indistinguishable from a damaged
    // middle record, so rule 5 refuses it.
    putInt(file, OFFSETS[LAST], RECORDS.get(LAST).length - 1);
    if (sealed) {
      sealHeader(file, OFFSETS[LAST]);
    }
    assertRefusedAt(OFFSETS[LAST]);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void invalidLengthInLastHeaderFollowedByPayload_refused(boolean sealed) throws IOException {
    putInt(file, OFFSETS[LAST], 1 << 31);
    if (sealed) {
      sealHeader(file, OFFSETS[LAST]);
    }
    assertRefusedAt(OFFSETS[LAST]);
  }

  @ParameterizedTest
  @CsvSource({
    "0, false", "16777217, false", "-2147483648, false", "-1, false",
    "0, true", "16777217, true", "-2147483648, true", "-1, true"
  })
  void invalidLengthInHeaderEndingTheFile_refused(int length, boolean sealed) throws IOException {
    // Formerly a torn tail. A whole header is never torn: unsealed it fails its CRC (rule 2);
    // sealed, its length is one no writer writes (rule 4).
    Journals.truncate(file, OFFSETS[LAST] + RECORD_HEADER);
    putInt(file, OFFSETS[LAST], length);
    if (sealed) {
      sealHeader(file, OFFSETS[LAST]);
    }
    assertRefusedAt(OFFSETS[LAST]);
  }

  @Test
  void middleHeaderZeroed_refusedBecauseNonZeroBytesFollow() throws IOException {
    zero(file, OFFSETS[MIDDLE], RECORD_HEADER);
    assertRefusedAt(OFFSETS[MIDDLE]);
  }

  @Test
  void everythingFromMiddlePayloadZeroed_refused() throws IOException {
    // The middle header is intact; its zeroed payload fails its CRC and does not end the file.
    long from = OFFSETS[MIDDLE] + RECORD_HEADER;
    zero(file, from, Math.toIntExact(Files.size(file) - from));
    assertRefusedAt(OFFSETS[MIDDLE]);
  }

  @Test
  void zeroFilledTailEndingInNonZeroByte_refused() throws IOException {
    byte[] extra = new byte[4096];
    extra[4095] = 1;
    Journals.append(file, extra);
    assertRefusedAt(OFFSETS[RECORDS.size()]);
  }

  @Test
  void garbageAppendedAfterCompleteRecords_refused() throws IOException {
    byte[] whole = Files.readAllBytes(file);
    byte[] longer = Arrays.copyOf(whole, whole.length + 20);
    Arrays.fill(longer, whole.length, longer.length, (byte) 0x5a); // a whole header, bad CRC
    Files.write(file, longer);
    assertRefusedAt(OFFSETS[RECORDS.size()]);
  }

  private int readInt(long offset) throws IOException {
    return ByteBuffer.wrap(Files.readAllBytes(file)).getInt(Math.toIntExact(offset));
  }

  private void assertRefusedAt(long offset) throws IOException {
    byte[] before = Files.readAllBytes(file);
    List<byte[]> replayed = new ArrayList<>();
    assertThatThrownBy(() -> Journal.open(file, replayed::add))
        .isInstanceOf(JournalCorruptedException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("offset " + offset)
        .asInstanceOf(type(JournalCorruptedException.class))
        .satisfies(
            e -> {
              assertThat(e.file()).isEqualTo(file);
              assertThat(e.offset()).isEqualTo(offset);
            });
    assertThat(replayed).as("nothing replayed from a refused journal").isEmpty();
    assertThat(Files.readAllBytes(file)).as("file untouched").isEqualTo(before);
  }

  // ---------------------------------------------------------------------------------------------
  // File header
  // ---------------------------------------------------------------------------------------------

  @Test
  void badMagic_refusedNamingFile() throws IOException {
    flipBit(file, 1, 0);
    assertRefusedAt(0);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3, 255})
  void unknownVersion_refusedNamingFile(int version) throws IOException {
    // Version 1 is the unreleased draft without header CRCs: refused, never misread.
    byte[] bytes = Files.readAllBytes(file);
    bytes[4] = (byte) version;
    Files.write(file, bytes);
    assertThatThrownBy(() -> Journal.open(file, payload -> {}))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(JournalCorruptedException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("version " + version);
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  @Test
  void nonZeroReservedByte_refused() throws IOException {
    flipBit(file, 6, 2);
    assertRefusedAt(6);
  }
}
