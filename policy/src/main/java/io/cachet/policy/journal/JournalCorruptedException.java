package io.cachet.policy.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A journal is damaged somewhere other than its tail, so opening it would drop committed records.
 * The journal refuses to open and leaves the file exactly as it found it; the message names the
 * file and the byte offset of the first bad record (or of the file header), so that an operator
 * can inspect it or restore it from a replica.
 */
public final class JournalCorruptedException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long offset;

  JournalCorruptedException(Path file, long offset, String problem) {
    super(Objects.requireNonNull(file, "file") + ": " + problem + " at offset " + offset);
    this.file = file;
    this.offset = offset;
  }

  /** The damaged journal file. */
  public Path file() {
    return file;
  }

  /** Byte offset, from the start of the file, of the bad record or header field. */
  public long offset() {
    return offset;
  }
}
