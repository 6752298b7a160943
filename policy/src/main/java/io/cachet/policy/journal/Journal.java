package io.cachet.policy.journal;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The ledger's append-only journal: one record per block, durable when {@link #append} returns,
 * replayed in order by {@link #open}.
 *
 * <h2>Design</h2>
 *
 * This class alone knows the on-disk format. All integers are big-endian.
 *
 * <pre>
 *   file    := header record*
 *   header  := "CJNL" u8:version(=2) u8[3]:reserved(=0)                     8 bytes
 *   record  := u32:length u32:crc32c(payload) u32:crc32c(first 8 bytes)    12-byte record header
 *              u8[length]:payload
 * </pre>
 *
 * The third field of a record header is the CRC32C of the eight header bytes before it, exactly
 * as they are on disk, so a header vouches for its own length. A record's length is at least 1
 * and at most {@link #MAX_PAYLOAD_LENGTH}; a length outside that range is never written and is
 * rejected before anything is allocated for it.
 *
 * <p>Version 1 was an unreleased draft whose record header had no checksum of its own (8 bytes:
 * length and payload CRC). Version 2 differs from it only in the record header; a version 1 file
 * is refused as an unknown version rather than misread.
 *
 * <p>Appends write whole records at the end of the file and then force the data to disk once per
 * call, so a crash can only leave its mark after the last acknowledged record. The recovery rules
 * assume a filesystem that persists data before it persists a larger size, so that a torn append
 * leaves a <em>prefix</em> of the bytes it wrote: an incomplete record header, or a complete and
 * correct header with a short or (within a page) wrong payload. The one concession to other
 * filesystems is rule 2's exception for a file extended with zeroed blocks before the data
 * landed. On open, the scan walks the records from the file header and stops at the first of
 * these that applies, at the offset of the record concerned:
 *
 * <ol>
 *   <li>Fewer than 12 bytes remain, not enough for a record header: a <b>torn tail</b>.
 *   <li>A complete record header fails its header CRC: <b>corruption</b>, because an honest torn
 *       append never leaves a complete header with wrong bytes in it. <b>Exception:</b> if every
 *       byte from the start of that header to the end of the file is zero, it is a <b>torn
 *       tail</b>: a filesystem extended the file with zeroed blocks before the data landed. (No
 *       written header is all zeros: the CRC32C of eight zero bytes is not zero.)
 *   <li>The header passes its CRC, its length is valid (1 to {@link #MAX_PAYLOAD_LENGTH}), and
 *       the payload runs past the end of the file: a <b>torn tail</b>.
 *   <li>The header passes its CRC but its length is invalid (zero or over the maximum):
 *       <b>corruption</b>; no writer writes such a length.
 *   <li>A complete record fails its payload CRC: a <b>torn tail</b> if the record ends exactly at
 *       the end of the file (a write torn inside a page), otherwise <b>corruption</b>.
 * </ol>
 *
 * A record that passes both CRCs is committed and the scan moves on to the next one.
 *
 * <p>On <b>corruption</b>, {@link #open} throws {@link JournalCorruptedException} naming the
 * file and the offset of the bad record, and writes nothing. Because the header CRC covers the
 * length, a length damaged before the tail, even into a larger valid value that runs past the end
 * of the file, fails rule 2 and refuses to open instead of passing for a torn tail; the same holds
 * for damage to a payload CRC field, or a damaged header CRC field, anywhere in the file (short
 * of damage that happens to match the header CRC, which CRC32C rules out for bursts of up to 32
 * bits). What the format still cannot tell from a torn tail: damage to the last record's payload
 * (rule 5), and damage that zeroes everything from some record header to the end of the file
 * (rule 2's exception). In both, nothing non-zero follows the record that is cut off. The rules
 * err the other way too: on a filesystem that zero-fills, a group commit torn so that zeros stand
 * inside a record followed by more bytes is refused, never silently cut.
 *
 * <p>A torn tail is cut off: the file is truncated to the start of the torn record, the truncation
 * is forced to disk, logged as a warning and returned in {@link #recovery()}. Committed records
 * before it are kept. The whole file is checked before the first record is replayed, so the
 * replay callback never sees records from a journal that then refuses to open.
 *
 * <p>A file shorter than the header whose bytes are a prefix of the header (an empty file, in
 * practice) holds no records; it is a creation cut short and the header is written again. Any
 * other bad header, or an unknown version, refuses to open with an error naming the file.
 *
 * <h2>Failures and threads</h2>
 *
 * The journal is fail-stop: if a write or a force fails, the file may end in a partial record, so
 * the journal closes its channel and every later append throws. Reopening it runs recovery, which
 * cuts the partial record off; records from the failed call may or may not survive, just as after
 * a crash. After a failed force the kernel may serve from its cache data that never reached the
 * disk, so the safe response is to stop the ledger, not to reopen and carry on. Interrupting a
 * thread inside {@link #append} closes the channel (file channels are interruptible) and so stops
 * the journal too.
 *
 * <p>All methods are thread-safe: one lock serialises appends, {@link #close()} and the
 * accessors. The sequencer is expected to append from one thread; the lock only keeps a stray
 * caller from interleaving records. An exclusive {@link FileLock} keeps a second journal, in this
 * or another process, from opening the same file.
 */
public final class Journal implements Closeable {
  private static final System.Logger LOG = System.getLogger(Journal.class.getName());

  // ---------------------------------------------------------------------------------------------
  // Format
  // ---------------------------------------------------------------------------------------------

  /** Largest payload a record may hold, in bytes: 16 MiB, well above the largest block. */
  public static final int MAX_PAYLOAD_LENGTH = 16 * 1024 * 1024;

  /** The only format version this class reads and writes; see the class comment. */
  static final int FORMAT_VERSION = 2;

  /** Length of the file header: magic, version and reserved bytes. */
  static final int FILE_HEADER_LENGTH = 8;

  /** Length of a record header: payload length, payload CRC32C and header CRC32C. */
  static final int RECORD_HEADER_LENGTH = 12;

  /** Bytes of a record header covered by its header CRC32C: the length and the payload CRC. */
  private static final int HEADER_CRC_COVERS = 8;

  /** Read buffer used while scanning and replaying; large enough to batch small records. */
  private static final int READ_BUFFER_SIZE = 64 * 1024;

  private static final byte[] MAGIC = "CJNL".getBytes(StandardCharsets.US_ASCII);

  private static final byte[] FILE_HEADER = {
    MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], (byte) FORMAT_VERSION, 0, 0, 0
  };

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------

  private final Path file;
  private final FileChannel channel;
  private final RecoveryReport recovery;
  private final ReentrantLock lock = new ReentrantLock();

  /** Guarded by {@link #lock}: length of the file, i.e. the offset of the next record. */
  private long end;

  /** Guarded by {@link #lock}: number of committed records. */
  private long records;

  /** Guarded by {@link #lock}: set by {@link #close()}. */
  private boolean closed;

  /** Guarded by {@link #lock}: the failure that stopped the journal, or null. */
  private Throwable failure;

  private Journal(Path file, FileChannel channel, RecoveryReport recovery) {
    this.file = file;
    this.channel = channel;
    this.recovery = recovery;
    this.end = recovery.validLength();
    this.records = recovery.records();
  }

  // ---------------------------------------------------------------------------------------------
  // Opening and recovery
  // ---------------------------------------------------------------------------------------------

  /**
   * Opens the journal at {@code file}, creating it if missing, recovers it by the rules in the
   * class comment, and passes every committed payload to {@code replay}, oldest first, before
   * returning. Each payload is a fresh array the callback may keep.
   *
   * @throws JournalCorruptedException if the file is damaged before its tail or its header is
   *     not a journal header; the file is left untouched
   * @throws IOException if the file has an unknown format version, is locked by another journal,
   *     or cannot be read, written or forced
   */
  public static Journal open(Path file, Consumer<? super byte[]> replay) throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(replay, "replay");
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      lockExclusively(file, channel);
      long size = channel.size();
      if (size < FILE_HEADER_LENGTH) {
        initialise(file, channel, size);
        size = FILE_HEADER_LENGTH;
      } else {
        checkHeader(file, channel);
      }
      Scan scan = scan(file, channel, size);
      RecoveryReport report =
          new RecoveryReport(scan.records(), scan.validLength(), size - scan.validLength());
      if (report.truncated()) {
        channel.truncate(scan.validLength());
        channel.force(true);
        LOG.log(
            Level.WARNING,
            () ->
                String.format(
                    "Journal %s: cut a torn tail of %d bytes at offset %d (%s); kept %d records",
                    file,
                    report.bytesDropped(),
                    report.validLength(),
                    scan.tornBecause(),
                    report.records()));
      }
      replay(file, channel, scan, replay);
      channel.position(scan.validLength());
      return new Journal(file, channel, report);
    } catch (IOException | RuntimeException | Error e) {
      try {
        channel.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static void lockExclusively(Path file, FileChannel channel) throws IOException {
    FileLock fileLock;
    try {
      fileLock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      fileLock = null;
    }
    if (fileLock == null) {
      throw new IOException(
          file + ": journal is locked, already open in this process or another");
    }
    // The lock lives as long as the channel; closing the channel releases it.
  }

  /** Writes the header into a file that holds no records yet, and makes its name durable. */
  private static void initialise(Path file, FileChannel channel, long size) throws IOException {
    ByteBuffer existing = ByteBuffer.allocate((int) size);
    readFully(channel, existing, 0);
    if (!Arrays.equals(existing.array(), Arrays.copyOf(FILE_HEADER, (int) size))) {
      throw new JournalCorruptedException(
          file, 0, "file of " + size + " bytes is too short for a journal header");
    }
    writeFully(channel, ByteBuffer.wrap(FILE_HEADER), 0);
    channel.force(true);
    Path directory = file.toAbsolutePath().getParent();
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
    LOG.log(Level.INFO, () -> "Journal " + file + ": created");
  }

  private static void checkHeader(Path file, FileChannel channel) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LENGTH);
    readFully(channel, header, 0);
    byte[] bytes = header.array();
    if (!Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new JournalCorruptedException(file, 0, "bad magic, not a Cachet journal");
    }
    int version = Byte.toUnsignedInt(bytes[MAGIC.length]);
    if (version != FORMAT_VERSION) {
      throw new IOException(
          file + ": unsupported journal format version " + version
              + " (this build reads version " + FORMAT_VERSION + ")");
    }
    for (int i = MAGIC.length + 1; i < FILE_HEADER_LENGTH; i++) {
      if (bytes[i] != 0) {
        throw new JournalCorruptedException(file, i, "reserved header byte is not zero");
      }
    }
  }

  /** Outcome of checking every record: where the committed records end, and why, if early. */
  private record Scan(long records, long validLength, String tornBecause) {}

  /**
   * Checks every record from the file header to {@code size} and applies the recovery rules,
   * without modifying the file. Headers are checked before any payload is read, and payloads are
   * checksummed through a fixed buffer, so a bad length cannot make this allocate.
   */
  private static Scan scan(Path file, FileChannel channel, long size) throws IOException {
    DataInputStream in = reader(channel);
    byte[] header = new byte[RECORD_HEADER_LENGTH];
    byte[] chunk = new byte[READ_BUFFER_SIZE];
    CRC32C crc = new CRC32C();
    long offset = FILE_HEADER_LENGTH;
    long records = 0;
    while (offset < size) {
      long remaining = size - offset;
      // Rule 1: not even a whole record header.
      if (remaining < RECORD_HEADER_LENGTH) {
        return new Scan(
            records,
            offset,
            "record header cut short, " + remaining + " of " + RECORD_HEADER_LENGTH + " bytes");
      }
      in.readFully(header);
      ByteBuffer fields = ByteBuffer.wrap(header);
      long length = Integer.toUnsignedLong(fields.getInt(0));
      int expectedCrc = fields.getInt(4);
      long available = remaining - RECORD_HEADER_LENGTH;
      // Rule 2: a whole header that fails its own CRC; torn only if all zeros to the end.
      if (headerCrc(crc, header) != fields.getInt(HEADER_CRC_COVERS)) {
        if (isZero(header, header.length) && restIsZero(in, available, chunk)) {
          return new Scan(
              records, offset, "zero bytes from a record header to the end of the file");
        }
        throw new JournalCorruptedException(file, offset, "record header fails its CRC32C check");
      }
      // Rule 4: a header that passes its CRC with a length no writer writes.
      if (length == 0 || length > MAX_PAYLOAD_LENGTH) {
        throw new JournalCorruptedException(file, offset, "invalid record length " + length);
      }
      // Rule 3: a sound header whose payload was cut short.
      if (length > available) {
        return new Scan(
            records, offset, "payload cut short, " + available + " of " + length + " bytes");
      }
      crc.reset();
      for (long left = length; left > 0; ) {
        int n = (int) Math.min(left, chunk.length);
        in.readFully(chunk, 0, n);
        crc.update(chunk, 0, n);
        left -= n;
      }
      // Rule 5: a bad payload is torn only in the record that ends the file.
      if ((int) crc.getValue() != expectedCrc) {
        if (length == available) {
          return new Scan(records, offset, "payload CRC32C mismatch in the last record");
        }
        throw new JournalCorruptedException(file, offset, "record payload fails its CRC32C check");
      }
      offset += RECORD_HEADER_LENGTH + length;
      records++;
    }
    return new Scan(records, offset, null);
  }

  /** CRC32C of the bytes a record header's third field covers. */
  private static int headerCrc(CRC32C crc, byte[] header) {
    crc.reset();
    crc.update(header, 0, HEADER_CRC_COVERS);
    return (int) crc.getValue();
  }

  private static boolean isZero(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Reads the next {@code count} bytes and tells whether they are all zero. */
  private static boolean restIsZero(DataInputStream in, long count, byte[] chunk)
      throws IOException {
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

  /** Reads the records {@link #scan} accepted and hands them to {@code replay}. */
  private static void replay(
      Path file, FileChannel channel, Scan scan, Consumer<? super byte[]> replay)
      throws IOException {
    DataInputStream in = reader(channel);
    byte[] header = new byte[RECORD_HEADER_LENGTH];
    CRC32C crc = new CRC32C();
    long offset = FILE_HEADER_LENGTH;
    for (long i = 0; i < scan.records(); i++) {
      in.readFully(header);
      ByteBuffer fields = ByteBuffer.wrap(header);
      int length = fields.getInt(0);
      int expectedCrc = fields.getInt(4);
      // Checked again in case the file changed under us since the scan; never trust a length.
      if (headerCrc(crc, header) != fields.getInt(HEADER_CRC_COVERS)
          || length <= 0
          || length > MAX_PAYLOAD_LENGTH) {
        throw new JournalCorruptedException(file, offset, "record header changed during replay");
      }
      byte[] payload = new byte[length];
      in.readFully(payload);
      crc.reset();
      crc.update(payload);
      if ((int) crc.getValue() != expectedCrc) {
        throw new JournalCorruptedException(file, offset, "record changed during replay");
      }
      replay.accept(payload);
      offset += RECORD_HEADER_LENGTH + length;
    }
  }

  /** A buffered reader over the records, starting after the file header. */
  private static DataInputStream reader(FileChannel channel) throws IOException {
    channel.position(FILE_HEADER_LENGTH);
    // Not closed by its callers: closing it would close the channel.
    return new DataInputStream(
        new BufferedInputStream(Channels.newInputStream(channel), READ_BUFFER_SIZE));
  }

  // ---------------------------------------------------------------------------------------------
  // Appending
  // ---------------------------------------------------------------------------------------------

  /**
   * Appends one record and forces it to disk. Equivalent to {@code append(List.of(payload))}.
   *
   * @return the number of records in the journal after this append, so the new record's
   *     zero-based index is one less
   */
  public long append(byte[] payload) throws IOException {
    Objects.requireNonNull(payload, "payload");
    return append(List.of(payload));
  }

  /**
   * Appends the payloads as consecutive records and forces them to disk once: a group commit.
   * Every payload is checked before anything is written, so a bad one leaves the journal as it
   * was. The journal does not copy the arrays; they must not change until this returns.
   *
   * @return the number of records in the journal after this append
   * @throws IllegalArgumentException if a payload is empty or longer than {@link
   *     #MAX_PAYLOAD_LENGTH}; the journal stays usable
   * @throws IllegalStateException if the journal was closed
   * @throws IOException if writing or forcing failed, or failed earlier; the journal is then
   *     stopped and must be reopened to recover
   */
  public long append(List<byte[]> payloads) throws IOException {
    Objects.requireNonNull(payloads, "payloads");
    ByteBuffer[] buffers = new ByteBuffer[payloads.size() * 2];
    long bytes = 0;
    CRC32C crc = new CRC32C();
    for (int i = 0; i < payloads.size(); i++) {
      byte[] payload = Objects.requireNonNull(payloads.get(i), "payload");
      if (payload.length == 0 || payload.length > MAX_PAYLOAD_LENGTH) {
        throw new IllegalArgumentException(
            "payload " + i + " has " + payload.length + " bytes; a record holds 1 to "
                + MAX_PAYLOAD_LENGTH);
      }
      crc.reset();
      crc.update(payload);
      byte[] header = new byte[RECORD_HEADER_LENGTH];
      ByteBuffer fields = ByteBuffer.wrap(header);
      fields.putInt(payload.length).putInt((int) crc.getValue());
      fields.putInt(headerCrc(crc, header));
      buffers[2 * i] = ByteBuffer.wrap(header);
      buffers[2 * i + 1] = ByteBuffer.wrap(payload);
      bytes += RECORD_HEADER_LENGTH + payload.length;
    }

    lock.lock();
    try {
      checkWritable();
      if (payloads.isEmpty()) {
        return records;
      }
      try {
        channel.position(end);
        for (int first = 0; first < buffers.length; ) {
          channel.write(buffers, first, buffers.length - first);
          while (first < buffers.length && !buffers[first].hasRemaining()) {
            first++;
          }
        }
        // Data only: for a growing file this still forces the new length, which reading needs.
        channel.force(false);
      } catch (IOException | RuntimeException | Error e) {
        stop(e);
        throw e;
      }
      end += bytes;
      records += payloads.size();
      return records;
    } finally {
      lock.unlock();
    }
  }

  private void checkWritable() throws IOException {
    if (failure != null) {
      throw new IOException(
          file + ": journal stopped after a failed append; reopen it to recover", failure);
    }
    if (closed) {
      throw new IllegalStateException(file + ": journal is closed");
    }
  }

  /** Fail-stop: after a failed write the file may end mid-record, so no append may follow it. */
  private void stop(Throwable cause) {
    failure = cause;
    try {
      channel.close();
    } catch (IOException suppressed) {
      cause.addSuppressed(suppressed);
    }
    LOG.log(Level.ERROR, "Journal " + file + ": append failed, journal stopped", cause);
  }

  // ---------------------------------------------------------------------------------------------
  // Accessors and closing
  // ---------------------------------------------------------------------------------------------

  /** The journal file. */
  public Path file() {
    return file;
  }

  /** What {@link #open} found and did; fixed for the life of this object. */
  public RecoveryReport recovery() {
    return recovery;
  }

  /** Length of the journal in bytes, file header included. */
  public long size() {
    lock.lock();
    try {
      return end;
    } finally {
      lock.unlock();
    }
  }

  /** Number of committed records. */
  public long recordCount() {
    lock.lock();
    try {
      return records;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the file and releases its lock. Every acknowledged append is already on disk, so this
   * forces nothing. Closing twice, or after a failure, does nothing more.
   */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        channel.close();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "Journal[" + file + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Positional I/O
  // ---------------------------------------------------------------------------------------------

  private static void readFully(FileChannel channel, ByteBuffer dst, long position)
      throws IOException {
    while (dst.hasRemaining()) {
      int n = channel.read(dst, position);
      if (n < 0) {
        throw new EOFException("unexpected end of journal at offset " + position);
      }
      position += n;
    }
  }

  private static void writeFully(FileChannel channel, ByteBuffer src, long position)
      throws IOException {
    while (src.hasRemaining()) {
      position += channel.write(src, position);
    }
  }
}
