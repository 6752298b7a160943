package io.cachet.common.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file of records is damaged before its tail (not a crash's torn append), is not of the
 * expected format, or holds a record its user refused. Nothing was written to it; an operator has
 * to look. The message names the file, the record and its byte offset.
 */
public class CorruptRecordLogException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final transient RecordLog.Problem problem;

  public CorruptRecordLogException(Path file, String kind, RecordLog.Problem problem) {
    super(file + ": damaged " + kind + ": " + problem);
    this.file = file;
    this.problem = problem;
  }

  public Path file() {
    return file;
  }

  public RecordLog.Problem problem() {
    return problem;
  }

  /** Byte offset of the damaged record, or of the header field at fault. */
  public long offset() {
    return problem.offset();
  }
}
