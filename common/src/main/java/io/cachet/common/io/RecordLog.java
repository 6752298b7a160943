package io.cachet.common.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of checksummed records: the one framing under the ledger's journal and the
 * key servers' audit logs. Each user names its own {@link Format} (magic and version); the
 * framing and the recovery rules are the same for all.
 *
 * <h2>Format</h2>
 *
 * All integers are big-endian.
 *
 * <pre>
 *   file    := header record*
 *   header  := magic[4] u8:version u8[3]:reserved(=0)                          8 bytes
 *   record  := u32:length u32:crc32c(payload) u32:crc32c(first 8 bytes)       12-byte record header
 *              u8[length]:payload
 * </pre>
 *
 * The third field of a record header is the CRC32C of the eight header bytes before it, exactly
 * as they are on disk, so a header vouches for its own length. A record's length is at least 1
 * and at most the format's maximum; a length outside that range is never written and is rejected
 * before anything is allocated for it.
 *
 * <h2>Recovery rules</h2>
 *
 * Appends write whole records at the end of the file and then force them, so a crash can only
 * leave its mark after the last acknowledged record. The rules assume a filesystem that persists
 * data before it persists a larger size, so that a torn append leaves a <em>prefix</em> of the
 * bytes it wrote. The scan walks the records from the file header and stops at the first of these
 * that applies, at the offset of the record concerned:
 *
 * <ol>
 *   <li>Fewer than 12 bytes remain, not enough for a record header: a <b>torn tail</b>.
 *   <li>A complete record header fails its header CRC: <b>corruption</b>, because an honest torn
 *       append never leaves a complete header with wrong bytes in it. <b>Exception:</b> if every
 *       byte from the start of that header to the end of the file is zero, it is a <b>torn
 *       tail</b>: a filesystem extended the file with zeroed blocks before the data landed. (No
 *       written header is all zeros: the CRC32C of eight zero bytes is not zero.)
 *   <li>The header passes its CRC, its length is valid, and the payload runs past the end of the
 *       file: a <b>torn tail</b>.
 *   <li>The header passes its CRC but its length is invalid (zero or over the maximum):
 *       <b>corruption</b>; no writer writes such a length.
 *   <li>A complete record fails its payload CRC: a <b>torn tail</b> if the record ends exactly at
 *       the end of the file (a write torn inside a page), otherwise <b>corruption</b>.
 * </ol>
 *
 * A torn tail is cut off on {@link #open}: the file is truncated to the start of the torn record
 * and the truncation forced; {@link #recovery()} says where and why, for the owner to log. Corruption refuses to open, naming the file and the offset,
 * and writes nothing. Every record is checked before the first one is handed to the caller, so a
 * caller never sees records from a file that then refuses to open. A caller may itself reject a
 * record ({@link RejectedRecordException}): a broken hash chain, an undecodable entry; {@link
 * #open} then refuses too.
 *
 * <h2>Failures and threads</h2>
 *
 * Fail-stop: once a write or a force fails the file may end in a partial record, so the log closes
 * its channel and every later append throws; reopening runs recovery. Appends after {@link #close}
 * throw {@link IllegalStateException}. One lock serialises appends, forces and closing. An
 * exclusive {@link FileLock} keeps a second writer, in this process or another, from opening the
 * same file.
 */
public final class RecordLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordLog.class);

  /** Length of the file header: magic, version and reserved bytes. */
  public static final int FILE_HEADER_LENGTH = 8;

  /** Length of a record header: payload length, payload CRC32C and header CRC32C. */
  public static final int RECORD_HEADER_LENGTH = 12;

  /**
   * What a file of records is: its four magic bytes, the one version this build reads and writes,
   * and the largest payload a record may hold. {@code name} is used in messages ("journal",
   * "audit log").
   */
  public record Format(String name, String magic, int version, int maxPayloadLength) {
    public Format {
      Objects.requireNonNull(name, "name");
      if (magic.length() != 4 || !magic.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw new IllegalArgumentException("magic is 4 printable ASCII characters");
      }
      if (version < 1 || version > 255) {
        throw new IllegalArgumentException("version is 1 to 255");
      }
      if (maxPayloadLength < 1) {
        throw new IllegalArgumentException("maxPayloadLength must be positive");
      }
    }

    byte[] header() {
      byte[] h = new byte[FILE_HEADER_LENGTH];
      for (int i = 0; i < 4; i++) {
        h[i] = (byte) magic.charAt(i);
      }
      h[4] = (byte) version;
      return h;
    }
  }

  /** Receives records in order: a zero-based index, the record's file offset and its payload. */
  @FunctionalInterface
  public interface RecordReader {
    /**
     * @param payload a fresh array the reader may keep
     * @throws RejectedRecordException if the record is sound as a record but wrong for its user
     */
    void accept(long index, long offset, byte[] payload) throws RejectedRecordException;
  }

  /** Thrown by a {@link RecordReader} that refuses a record; {@code kind} is the user's own label. */
  public static final class RejectedRecordException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String kind;

    public RejectedRecordException(String kind, String message) {
      super(message);
      this.kind = Objects.requireNonNull(kind, "kind");
    }

    public String kind() {
      return kind;
    }
  }

  /** The first thing wrong with a file, and where; {@code record} counts from 0. */
  public record Problem(Kind kind, String rejectedAs, long record, long offset, String what) {
    public enum Kind {
      /** Not a file of this format, or another version of it. */
      BAD_HEADER,
      /** The last record is incomplete: a crash during an append; {@link #open} cuts it off. */
      TORN_TAIL,
      /** A record fails its CRC32C, or its length is impossible. */
      CORRUPT_RECORD,
      /** A sound record its reader refused; {@code rejectedAs} is the reader's label. */
      REJECTED
    }

    @Override
    public String toString() {
      return (kind == Kind.REJECTED ? rejectedAs : kind.toString()) + " at record " + record
          + " (byte offset " + offset + "): " + what;
    }
  }

  /**
   * What a scan found: the records that are sound from the start, where they end, the file's
   * length, and the first problem after them (null if none).
   */
  public record Inspection(long records, long validLength, long fileLength, Problem problem) {
    public boolean ok() {
      return problem == null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------

  private final Path file;
  private final Format format;
  private final FileChannel channel;
  private final Inspection recovery;
  private final ReentrantLock lock = new ReentrantLock();

  /** Guarded by {@link #lock}: the offset of the next record. */
  private long end;

  /** Guarded by {@link #lock}: committed records. */
  private long records;

  /** Guarded by {@link #lock}: set by {@link #close()}. */
  private boolean closed;

  /** Guarded by {@link #lock}: the failure that stopped the log, or null. */
  private Throwable failure;

  private RecordLog(Path file, Format format, FileChannel channel, Inspection recovery) {
    this.file = file;
    this.format = format;
    this.channel = channel;
    this.recovery = recovery;
    this.end = recovery.validLength();
    this.records = recovery.records();
  }

  // ---------------------------------------------------------------------------------------------
  // Opening, recovery and inspection
  // ---------------------------------------------------------------------------------------------

  /**
   * Opens the log at {@code file}, creating it if missing ({@code ownerOnly}: readable by its
   * owner alone), recovers it by the rules in the class comment, and hands every record to {@code
   * replay}, oldest first, before returning.
   *
   * @throws CorruptRecordLogException if the file is damaged before its tail, is not of this
   *     format, or {@code replay} rejected a record; the file is left untouched
   * @throws IOException if the file has another version of the format, is locked by another
   *     writer, or cannot be read, written or forced
   */
  public static RecordLog open(Path file, Format format, boolean ownerOnly, RecordReader replay)
      throws IOException {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(replay, "replay");
    boolean existed = Files.exists(file);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      if (ownerOnly) {
        DurableFiles.restrictFile(file);
      }
      lockExclusively(file, format, channel);
      long size = channel.size();
      if (size < FILE_HEADER_LENGTH) {
        initialise(file, format, channel, size, existed);
        size = FILE_HEADER_LENGTH;
      } else {
        Problem bad = RecordScanner.checkHeader(format, channel, size);
        if (bad != null) {
          throw refusal(file, format, bad);
        }
      }
      Inspection scan = RecordScanner.scan(format, channel, size);
      if (scan.problem() != null && scan.problem().kind() != Problem.Kind.TORN_TAIL) {
        throw refusal(file, format, scan.problem());
      }
      Inspection replayed = RecordScanner.replay(format, channel, scan.records(), size, replay);
      if (replayed.problem() != null) {
        throw refusal(file, format, replayed.problem());
      }
      if (scan.problem() != null) {
        channel.truncate(scan.validLength());
        // logged by the owner, which knows what the records are
        channel.force(true);
      }
      channel.position(scan.validLength());
      return new RecordLog(file, format, channel, scan);
    } catch (IOException | RuntimeException | Error e) {
      try {
        channel.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Checks a whole file without changing it (it may be in use by a running writer, whose
   * in-flight append may then show as a torn tail), handing every sound record to {@code reader}
   * until the first problem.
   */
  public static Inspection inspect(Path file, Format format, RecordReader reader) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      Problem bad = RecordScanner.checkHeader(format, channel, size);
      if (bad != null) {
        return new Inspection(0, 0, size, bad);
      }
      Inspection scan = RecordScanner.scan(format, channel, size);
      Inspection replayed = RecordScanner.replay(format, channel, scan.records(), size, reader);
      return replayed.problem() != null ? replayed : scan;
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file + ": no " + format.name());
    }
  }

  private static IOException refusal(Path file, Format format, Problem problem) {
    if (problem.kind() == Problem.Kind.BAD_HEADER && problem.offset() == 4) {
      return new IOException(file + ": " + problem.what());
    }
    return new CorruptRecordLogException(file, format.name(), problem);
  }

  private static void lockExclusively(Path file, Format format, FileChannel channel) throws IOException {
    FileLock fileLock;
    try {
      fileLock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      fileLock = null;
    }
    if (fileLock == null) {
      throw new IOException(file + ": " + format.name() + " is locked, already open in this process or another");
    }
    // The lock lives as long as the channel; closing the channel releases it.
  }

  /** Writes the header into a file that holds no records yet, and makes its name durable. */
  private static void initialise(Path file, Format format, FileChannel channel, long size, boolean existed)
      throws IOException {
    byte[] header = format.header();
    ByteBuffer existing = ByteBuffer.allocate((int) size);
    RecordScanner.readFully(channel, existing, 0);
    if (!Arrays.equals(existing.array(), Arrays.copyOf(header, (int) size))) {
      throw new CorruptRecordLogException(file, format.name(), new Problem(Problem.Kind.BAD_HEADER, null, 0, 0,
          "file of " + size + " bytes is too short for a " + format.name() + " header"));
    }
    writeFully(channel, ByteBuffer.wrap(header), 0);
    channel.force(true);
    DurableFiles.syncDirectory(file.toAbsolutePath().getParent());
    if (!existed || size == 0) {
      LOG.info("event=record_log_created file={} kind=\"{}\"", file, format.name());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Appending
  // ---------------------------------------------------------------------------------------------

  /**
   * Appends the payloads as consecutive records with one gathering write and, if {@code force},
   * forces them to disk once: a group commit. Every payload is checked before anything is
   * written, so a bad one leaves the log as it was. The arrays are not copied; they must not
   * change until this returns.
   *
   * @return the number of records after this append, so the last new record's index is one less
   * @throws IllegalArgumentException if a payload is empty or longer than the format allows; the
   *     log stays usable
   * @throws IllegalStateException if the log was closed
   * @throws IOException if writing or forcing failed, now or earlier; the log is then stopped
   */
  public long append(List<byte[]> payloads, boolean force) throws IOException {
    Objects.requireNonNull(payloads, "payloads");
    ByteBuffer[] buffers = new ByteBuffer[payloads.size() * 2];
    long bytes = 0;
    CRC32C crc = new CRC32C();
    for (int i = 0; i < payloads.size(); i++) {
      byte[] payload = Objects.requireNonNull(payloads.get(i), "payload");
      if (payload.length == 0 || payload.length > format.maxPayloadLength()) {
        throw new IllegalArgumentException("payload " + i + " has " + payload.length + " bytes; a "
            + format.name() + " record holds 1 to " + format.maxPayloadLength());
      }
      crc.reset();
      crc.update(payload);
      byte[] header = new byte[RECORD_HEADER_LENGTH];
      ByteBuffer fields = ByteBuffer.wrap(header);
      fields.putInt(payload.length).putInt((int) crc.getValue());
      fields.putInt(RecordScanner.headerCrc(crc, header));
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
        if (force) {
          // Data only: for a growing file this still forces the new length, which reading needs.
          channel.force(false);
        }
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

  /** Forces every record written so far to disk. */
  public void force() throws IOException {
    lock.lock();
    try {
      checkWritable();
      try {
        channel.force(false);
      } catch (IOException | RuntimeException | Error e) {
        stop(e);
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  private void checkWritable() throws IOException {
    if (failure != null) {
      throw new IOException(file + ": " + format.name() + " stopped after a failed write; reopen it to recover",
          failure);
    }
    if (closed) {
      throw new IllegalStateException(file + ": " + format.name() + " is closed");
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
    LOG.error("event=record_log_stopped file={} kind=\"{}\" reason=\"{}\"", file, format.name(), cause.toString());
  }

  // ---------------------------------------------------------------------------------------------
  // Reading back
  // ---------------------------------------------------------------------------------------------

  /**
   * Reads the committed record that starts at {@code offset} (as handed to the {@link
   * RecordReader} on open, or the size before an append), checking both of its CRCs again: what
   * is served from disk is what was written.
   *
   * @throws IllegalArgumentException if no committed record can start there
   * @throws CorruptRecordLogException if the bytes there do not pass a record's checks: the
   *     record was damaged, or the offset is not one a record starts at
   */
  public byte[] read(long offset) throws IOException {
    long limit;
    lock.lock();
    try {
      checkWritable();
      limit = end;
    } finally {
      lock.unlock();
    }
    return readAt(channel, file, format, offset, limit);
  }

  /**
   * Reads the record that starts at {@code offset} of a file of {@code format} through any channel
   * open on it (a reader's own, say, so reads do not wait for appends), checking both CRCs; {@code
   * end} bounds what counts as committed.
   *
   * @throws IllegalArgumentException if no record can start there below {@code end}
   * @throws CorruptRecordLogException if the bytes there do not pass a record's checks
   */
  public static byte[] readAt(FileChannel channel, Path file, Format format, long offset, long end)
      throws IOException {
    return RecordScanner.readAt(channel, file, format, offset, end);
  }

  // ---------------------------------------------------------------------------------------------
  // Accessors and closing
  // ---------------------------------------------------------------------------------------------

  public Path file() {
    return file;
  }

  /** What {@link #open} found: the records kept and, if a torn tail was cut, why. */
  public Inspection recovery() {
    return recovery;
  }

  /** Bytes cut off a torn tail when this log was opened. */
  public long truncatedBytes() {
    return recovery.fileLength() - recovery.validLength();
  }

  /** Length of the file in bytes, header included. */
  public long size() {
    lock.lock();
    try {
      return end;
    } finally {
      lock.unlock();
    }
  }

  /** Committed records. */
  public long recordCount() {
    lock.lock();
    try {
      return records;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the file and releases its lock. It forces nothing: callers that acknowledged records
   * forced them already. Closing twice, or after a failure, does nothing more.
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
    return "RecordLog[" + format.name() + " " + file + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Positional I/O
  // ---------------------------------------------------------------------------------------------

  private static void writeFully(FileChannel channel, ByteBuffer src, long position) throws IOException {
    while (src.hasRemaining()) {
      position += channel.write(src, position);
    }
  }
}
