package io.cachet.crypto;

/**
 * Bytes or JSON that do not follow a Cachet format: wrong magic, unknown version, a length past
 * its bound, trailing bytes, a duplicate or missing field. Every parser in this module reports
 * malformed input with this type and nothing else.
 */
public final class FormatException extends CachetSecurityException {
  public FormatException(String message) {
    super("FORMAT", message);
  }

  public FormatException(String message, Throwable cause) {
    super("FORMAT", message, cause);
  }
}
