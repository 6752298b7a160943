package io.cachet.common.io;

import io.cachet.common.io.RecordLog.Format;
import io.cachet.common.io.RecordLog.Inspection;
import io.cachet.common.io.RecordLog.Problem;
import io.cachet.common.io.RecordLog.RecordReader;
import io.cachet.common.io.RecordLog.RejectedRecordException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The reading side of {@link RecordLog}: the header check, the scan that applies the recovery
 * rules of its class comment, the replay of the records it accepted, and the checked read of one
 * record. Nothing here writes.
 */
final class RecordScanner {
  private static final int FILE_HEADER_LENGTH = RecordLog.FILE_HEADER_LENGTH;
  private static final int RECORD_HEADER_LENGTH = RecordLog.RECORD_HEADER_LENGTH;

  /** Bytes of a record header covered by its header CRC32C: the length and the payload CRC. */
  static final int HEADER_CRC_COVERS = 8;

  /** Read buffer used while scanning and replaying; large enough to batch small records. */
  private static final int READ_BUFFER_SIZE = 64 * 1024;

  private RecordScanner() {}

  static Problem checkHeader(Format format, FileChannel channel, long size) throws IOException {
    if (size < FILE_HEADER_LENGTH) {
      return new Problem(Problem.Kind.BAD_HEADER, null, 0, 0,
          size + " bytes, too short for a " + format.name() + " header");
    }
    ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LENGTH);
    readFully(channel, header, 0);
    byte[] bytes = header.array();
    byte[] expected = format.header();
    if (!Arrays.equals(bytes, 0, 4, expected, 0, 4)) {
      return new Problem(Problem.Kind.BAD_HEADER, null, 0, 0, "bad magic, not a Cachet " + format.name());
    }
    int version = Byte.toUnsignedInt(bytes[4]);
    if (version != format.version()) {
      return new Problem(Problem.Kind.BAD_HEADER, null, 0, 4, "unsupported " + format.name() + " format version "
          + version + " (this build reads version " + format.version() + ")");
    }
    for (int i = 5; i < FILE_HEADER_LENGTH; i++) {
      if (bytes[i] != 0) {
        return new Problem(Problem.Kind.BAD_HEADER, null, 0, i, "reserved header byte is not zero");
      }
    }
    return null;
  }

  /**
   * Checks every record from the file header to {@code size} and applies the recovery rules,
   * without modifying the file. Headers are checked before any payload is read, and payloads are
   * checksummed through a fixed buffer, so a bad length cannot make this allocate.
   */
  static Inspection scan(Format format, FileChannel channel, long size) throws IOException {
    DataInputStream in = reader(channel);
    byte[] header = new byte[RECORD_HEADER_LENGTH];
    byte[] chunk = new byte[READ_BUFFER_SIZE];
    CRC32C crc = new CRC32C();
    long offset = FILE_HEADER_LENGTH;
    long n = 0;
    while (offset < size) {
      long remaining = size - offset;
      // Rule 1: not even a whole record header.
      if (remaining < RECORD_HEADER_LENGTH) {
        return torn(n, offset, size, "record header cut short, " + remaining + " of " + RECORD_HEADER_LENGTH
            + " bytes");
      }
      in.readFully(header);
      ByteBuffer fields = ByteBuffer.wrap(header);
      long length = Integer.toUnsignedLong(fields.getInt(0));
      int expectedCrc = fields.getInt(4);
      long available = remaining - RECORD_HEADER_LENGTH;
      // Rule 2: a whole header that fails its own CRC; torn only if all zeros to the end.
      if (headerCrc(crc, header) != fields.getInt(HEADER_CRC_COVERS)) {
        if (isZero(header, header.length) && restIsZero(in, available, chunk)) {
          return torn(n, offset, size, "zero bytes from a record header to the end of the file");
        }
        return corrupt(n, offset, size, "record header fails its CRC32C check");
      }
      // Rule 4: a header that passes its CRC with a length no writer writes.
      if (length == 0 || length > format.maxPayloadLength()) {
        return corrupt(n, offset, size, "invalid record length " + length);
      }
      // Rule 3: a sound header whose payload was cut short.
      if (length > available) {
        return torn(n, offset, size, "payload cut short, " + available + " of " + length + " bytes");
      }
      crc.reset();
      for (long left = length; left > 0; ) {
        int k = (int) Math.min(left, chunk.length);
        in.readFully(chunk, 0, k);
        crc.update(chunk, 0, k);
        left -= k;
      }
      // Rule 5: a bad payload is torn only in the record that ends the file.
      if ((int) crc.getValue() != expectedCrc) {
        if (length == available) {
          return torn(n, offset, size, "payload CRC32C mismatch in the last record");
        }
        return corrupt(n, offset, size, "record payload fails its CRC32C check");
      }
      offset += RECORD_HEADER_LENGTH + length;
      n++;
    }
    return new Inspection(n, offset, size, null);
  }

  static Inspection torn(long n, long offset, long size, String what) {
    return new Inspection(n, offset, size, new Problem(Problem.Kind.TORN_TAIL, null, n, offset, what));
  }

  static Inspection corrupt(long n, long offset, long size, String what) {
    return new Inspection(n, offset, size, new Problem(Problem.Kind.CORRUPT_RECORD, null, n, offset, what));
  }

  /** Reads the first {@code count} records, which {@link #scan} accepted, and hands them to {@code reader}. */
  static Inspection replay(Format format, FileChannel channel, long count, long size, RecordReader reader)
      throws IOException {
    DataInputStream in = reader(channel);
    byte[] header = new byte[RECORD_HEADER_LENGTH];
    CRC32C crc = new CRC32C();
    long offset = FILE_HEADER_LENGTH;
    for (long i = 0; i < count; i++) {
      in.readFully(header);
      ByteBuffer fields = ByteBuffer.wrap(header);
      int length = fields.getInt(0);
      int expectedCrc = fields.getInt(4);
      // Checked again in case the file changed under us since the scan; never trust a length.
      if (headerCrc(crc, header) != fields.getInt(HEADER_CRC_COVERS) || length <= 0
          || length > format.maxPayloadLength()) {
        return corrupt(i, offset, size, "record header changed while it was read");
      }
      byte[] payload = new byte[length];
      in.readFully(payload);
      crc.reset();
      crc.update(payload);
      if ((int) crc.getValue() != expectedCrc) {
        return corrupt(i, offset, size, "record changed while it was read");
      }
      try {
        reader.accept(i, offset, payload);
      } catch (RejectedRecordException e) {
        return new Inspection(i, offset, size, new Problem(Problem.Kind.REJECTED, e.kind(), i, offset, e.getMessage()));
      }
      offset += RECORD_HEADER_LENGTH + length;
    }
    return new Inspection(count, offset, size, null);
  }

  /** A buffered reader over the records, starting after the file header. */
  static DataInputStream reader(FileChannel channel) throws IOException {
    channel.position(FILE_HEADER_LENGTH);
    // Not closed by its callers: closing it would close the channel.
    return new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), READ_BUFFER_SIZE));
  }

  /** CRC32C of the bytes a record header's third field covers. */
  static int headerCrc(CRC32C crc, byte[] header) {
    crc.reset();
    crc.update(header, 0, HEADER_CRC_COVERS);
    return (int) crc.getValue();
  }

  static boolean isZero(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Reads the next {@code count} bytes and tells whether they are all zero. */
  static boolean restIsZero(DataInputStream in, long count, byte[] chunk) throws IOException {
    for (long left = count; left > 0; ) {
      int n = (int) Math.min(left, chunk.length);
      in.readFully(chunk, 0, n);
      if (!isZero(chunk, n)) {
        return false;
      }
      left -= n;
    }
    return true;
  }

  /**
   * Reads the record that starts at {@code offset} of a file of {@code format} through any channel
   * open on it (a reader's own, say, so reads do not wait for appends), checking both CRCs; {@code
   * end} bounds what counts as committed.
   *
   * @throws IllegalArgumentException if no record can start there below {@code end}
   * @throws CorruptRecordLogException if the bytes there do not pass a record's checks
   */
  static byte[] readAt(FileChannel channel, Path file, Format format, long offset, long end)
      throws IOException {
    if (offset < FILE_HEADER_LENGTH || offset + RECORD_HEADER_LENGTH > end) {
      throw new IllegalArgumentException("no committed record at offset " + offset);
    }
    ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_LENGTH);
    readFully(channel, header, offset);
    CRC32C crc = new CRC32C();
    int length = header.getInt(0);
    if (headerCrc(crc, header.array()) != header.getInt(HEADER_CRC_COVERS) || length <= 0
        || length > format.maxPayloadLength() || offset + RECORD_HEADER_LENGTH + length > end) {
      throw new CorruptRecordLogException(file, format.name(), new Problem(Problem.Kind.CORRUPT_RECORD, null, -1,
          offset, "record header fails its checks on read"));
    }
    ByteBuffer payload = ByteBuffer.allocate(length);
    readFully(channel, payload, offset + RECORD_HEADER_LENGTH);
    crc.reset();
    crc.update(payload.array());
    if ((int) crc.getValue() != header.getInt(4)) {
      throw new CorruptRecordLogException(file, format.name(), new Problem(Problem.Kind.CORRUPT_RECORD, null, -1,
          offset, "record payload fails its CRC32C check on read"));
    }
    return payload.array();
  }

  static void readFully(FileChannel channel, ByteBuffer dst, long position) throws IOException {
    while (dst.hasRemaining()) {
      int n = channel.read(dst, position);
      if (n < 0) {
        throw new EOFException("unexpected end of file at offset " + position);
      }
      position += n;
    }
  }
}
