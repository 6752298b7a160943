package io.cachet.cli;

/**
 * The person asked for something that cannot be done as asked: a bad name, a missing input. Exit
 * 2; {@link #reason()} is the stable code {@code --json} reports, {@code USAGE} unless named.
 */
public final class UsageException extends RuntimeException {
  private final String reason;
  private final String hint;

  public UsageException(String message) {
    this(null, message, null);
  }

  /**
   * @param reason a stable code such as {@code IS_A_DIRECTORY}, or null for {@code USAGE}
   * @param hint what to do about it, or null
   */
  public UsageException(String reason, String message, String hint) {
    super(message);
    this.reason = reason;
    this.hint = hint;
  }

  /** What to do about it, or null when the message says it all. */
  public String hint() {
    return hint;
  }

  /** The stable code of this usage error, or null when it has none of its own. */
  public String reason() {
    return reason;
  }
}
