package io.cachet.policy.journal;

/**
 * What {@link Journal#open} found on disk.
 *
 * @param records committed records replayed, in order
 * @param validLength length in bytes of the journal after recovery, file header included: where
 *     the next record will be appended and, if a torn tail was cut off, where that tail began
 * @param bytesDropped bytes of torn tail cut off the end of the file; zero if there was none
 */
public record RecoveryReport(long records, long validLength, long bytesDropped) {
  public RecoveryReport {
    if (records < 0 || validLength < 0 || bytesDropped < 0) {
      throw new IllegalArgumentException(
          "negative count in recovery report: "
              + records + ", " + validLength + ", " + bytesDropped);
    }
  }

  /** Whether a torn tail was cut off, starting at {@link #validLength()}. */
  public boolean truncated() {
    return bytesDropped > 0;
  }
}
