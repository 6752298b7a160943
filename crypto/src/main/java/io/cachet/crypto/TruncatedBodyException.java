package io.cachet.crypto;

/** The body ends before the length its header declares. */
public final class TruncatedBodyException extends BodyIntegrityException {
  public TruncatedBodyException(String message, Throwable cause) {
    super("TRUNCATED", message, cause);
  }
}
