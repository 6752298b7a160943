package io.cachet.cli.devnet;

/**
 * The devnet cannot do what was asked: a directory in use or damaged, an unknown part, an action
 * its mode does not offer. Its {@link #reason}, when it has one, is the stable code the control
 * endpoint answers with and {@code --json} reports.
 */
public final class DevnetException extends RuntimeException {
  /** An unknown part, or a devnet that cannot do what was asked of it (the control endpoint's default). */
  public static final String BAD_PART = "BAD_PART";
  /** {@code stop --kill} on a devnet whose parts run inside the daemon's JVM. */
  public static final String NEEDS_PROCESSES = "NEEDS_PROCESSES";

  private final String reason;

  public DevnetException(String message) {
    this(null, message);
  }

  public DevnetException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** The stable reason code, or null where the exit code says enough. */
  public String reason() {
    return reason;
  }
}
