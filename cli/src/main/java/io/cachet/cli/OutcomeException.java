package io.cachet.cli;

/**
 * The command ran, but what it was asked to bring about did not happen (blocks that could not be
 * recovered, a devnet that did not start in time): exit 1. {@link #reason()} is the stable code
 * {@code --json} reports.
 */
public final class OutcomeException extends RuntimeException {
  private final String reason;

  public OutcomeException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
