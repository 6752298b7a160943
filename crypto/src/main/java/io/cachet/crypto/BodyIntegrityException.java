package io.cachet.crypto;

import java.io.IOException;

/**
 * An envelope body that is not what its header and key promise. An {@link IOException} because
 * it surfaces from stream and channel reads; the subclasses say which way the body is wrong.
 * Plaintext is only ever released in segments that authenticated.
 */
public abstract class BodyIntegrityException extends IOException {
  private final String reason;

  BodyIntegrityException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** A stable reason code: {@code TRUNCATED}, {@code TRAILING_DATA} or {@code SEGMENT_AUTH}. */
  public String reason() {
    return reason;
  }
}
