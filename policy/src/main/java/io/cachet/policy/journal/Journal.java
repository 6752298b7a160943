package io.cachet.policy.journal;

import io.cachet.common.io.CorruptRecordLogException;
import io.cachet.common.io.RecordLog;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The ledger's append-only journal: one record per block, durable when {@link #append} returns,
 * replayed in order by {@link #open}.
 *
 * <h2>Design</h2>
 *
 * The file is a {@link RecordLog}, the one framing and set of recovery rules that the key servers'
 * audit logs use too, with magic {@code "CJNL"} and format version 2:
 *
 * <pre>
 *   file    := header record*
 *   header  := "CJNL" u8:version(=2) u8[3]:reserved(=0)                     8 bytes
 *   record  := u32:length u32:crc32c(payload) u32:crc32c(first 8 bytes)    12-byte record header
 *              u8[length]:payload
 * </pre>
 *
 * <p>Version 1 was an unreleased draft whose record header had no checksum of its own; a version
 * 1 file is refused as an unknown version rather than misread. The recovery rules (a torn tail is
 * cut, damage anywhere else refuses to open and writes nothing, every record is checked before
 * the first is replayed) are {@link RecordLog}'s, documented there and in docs/FORMAT.md.
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
 * caller from interleaving records. An exclusive file lock keeps a second journal, in this or
 * another process, from opening the same file.
 */
public final class Journal implements Closeable {
  private static final System.Logger LOG = System.getLogger(Journal.class.getName());

  /** Largest payload a record may hold, in bytes: 16 MiB, well above the largest block. */
  public static final int MAX_PAYLOAD_LENGTH = 16 * 1024 * 1024;

  /** The only format version this class reads and writes; see the class comment. */
  static final int FORMAT_VERSION = 2;

  /** Length of the file header: magic, version and reserved bytes. */
  static final int FILE_HEADER_LENGTH = RecordLog.FILE_HEADER_LENGTH;

  /** Length of a record header: payload length, payload CRC32C and header CRC32C. */
  static final int RECORD_HEADER_LENGTH = RecordLog.RECORD_HEADER_LENGTH;

  /** The journal's file of records. */
  static final RecordLog.Format FORMAT = new RecordLog.Format("journal", "CJNL", FORMAT_VERSION, MAX_PAYLOAD_LENGTH);

  private final RecordLog log;
  private final RecoveryReport recovery;

  private Journal(RecordLog log) {
    this.log = log;
    RecordLog.Inspection found = log.recovery();
    this.recovery = new RecoveryReport(found.records(), found.validLength(), log.truncatedBytes());
    if (recovery.truncated()) {
      LOG.log(Level.WARNING, () -> String.format("Journal %s: cut a torn tail of %d bytes at offset %d (%s); kept %d"
          + " records", log.file(), recovery.bytesDropped(), recovery.validLength(), found.problem().what(),
          recovery.records()));
    }
  }

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
    try {
      return new Journal(RecordLog.open(file, FORMAT, false, (index, offset, payload) -> replay.accept(payload)));
    } catch (CorruptRecordLogException e) {
      throw corrupted(e);
    }
  }

  /** The journal's own exception for a damaged file, naming the same file, offset and problem. */
  static JournalCorruptedException corrupted(CorruptRecordLogException e) {
    JournalCorruptedException j = new JournalCorruptedException(e.file(), e.offset(), e.problem().what());
    j.initCause(e);
    return j;
  }

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
    return log.append(payloads, true);
  }

  /** The journal file. */
  public Path file() {
    return log.file();
  }

  /** What {@link #open} found and did; fixed for the life of this object. */
  public RecoveryReport recovery() {
    return recovery;
  }

  /** Length of the journal in bytes, file header included. */
  public long size() {
    return log.size();
  }

  /** Number of committed records. */
  public long recordCount() {
    return log.recordCount();
  }

  /**
   * Closes the file and releases its lock. Every acknowledged append is already on disk, so this
   * forces nothing. Closing twice, or after a failure, does nothing more.
   */
  @Override
  public void close() throws IOException {
    log.close();
  }

  @Override
  public String toString() {
    return "Journal[" + log.file() + "]";
  }
}
