package io.cachet.crypto;

import java.security.GeneralSecurityException;

/**
 * Base of every security failure Cachet's crypto reports: bad ciphertext, bad signatures,
 * malformed input, refused combinations of shares. Each subclass names one failure so that
 * callers (and tests) can tell them apart; {@link #reason()} is the stable code the HTTP
 * APIs put in their error bodies.
 */
public class CachetSecurityException extends GeneralSecurityException {
  private final String reason;

  public CachetSecurityException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public CachetSecurityException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** A stable, machine-readable reason code such as {@code FORMAT} or {@code BAD_SIGNATURE}. */
  public String reason() {
    return reason;
  }
}
