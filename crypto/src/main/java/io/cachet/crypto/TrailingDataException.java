package io.cachet.crypto;

/** The body goes on past the length its header declares. */
public final class TrailingDataException extends BodyIntegrityException {
  public TrailingDataException(String message, Throwable cause) {
    super("TRAILING_DATA", message, cause);
  }
}
