package io.cachet.policy.journal;

import io.cachet.common.io.CorruptRecordLogException;
import io.cachet.common.io.RecordLog;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads a journal's records by number without keeping them in memory: an index from record number
 * to file offset (eight bytes a record, so a million blocks cost 8 MB), and positional reads
 * through a read-only channel of its own, each record checked against both its CRCs again
 * ({@link RecordLog#readAt}, the framing's one reader).
 *
 * <p>The owner of the {@link Journal} feeds it: {@link #add} with the payload length of every
 * record, in order, as it replays and appends them. The index holds only records the journal
 * reported committed, so a read never sees a record being written.
 *
 * <p>Threads: one thread adds; any thread reads (reads and adds synchronise on this object).
 */
public final class RecordIndex implements Closeable {
  /** Offsets the index starts with room for; it doubles from here. */
  private static final int INITIAL_CAPACITY = 1024;

  private final Path file;
  /** Guarded by this: opened at the first read, since the index is fed while the journal is still being opened. */
  private FileChannel channel;
  /** Guarded by this: offsets[i] is where record i starts. */
  private long[] offsets = new long[INITIAL_CAPACITY];
  /** Guarded by this: records indexed. */
  private int count;
  /** Guarded by this: where the next record starts. */
  private long end = Journal.FILE_HEADER_LENGTH;

  /** An empty index over the journal at {@code file}, read through a channel of its own. */
  public RecordIndex(Path file) {
    this.file = file;
  }

  /** Records the next committed record, whose payload is {@code payloadLength} bytes. */
  public synchronized void add(int payloadLength) {
    if (count == offsets.length) {
      offsets = Arrays.copyOf(offsets, offsets.length * 2);
    }
    offsets[count++] = end;
    end += Journal.RECORD_HEADER_LENGTH + payloadLength;
  }

  /** Records indexed. */
  public synchronized int size() {
    return count;
  }

  /**
   * The payload of record {@code number}, read from disk and checked.
   *
   * @throws IndexOutOfBoundsException if no such record was indexed
   * @throws JournalCorruptedException if the record on disk no longer matches its CRCs
   */
  public byte[] read(int number) throws IOException {
    long offset;
    long next;
    FileChannel channel;
    synchronized (this) {
      if (this.channel == null) {
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
      }
      channel = this.channel;
      if (number < 0 || number >= count) {
        throw new IndexOutOfBoundsException("record " + number + " of " + count);
      }
      offset = offsets[number];
      next = number + 1 < count ? offsets[number + 1] : end;
    }
    try {
      return RecordLog.readAt(channel, file, Journal.FORMAT, offset, next);
    } catch (CorruptRecordLogException e) {
      throw Journal.corrupted(e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }
}
