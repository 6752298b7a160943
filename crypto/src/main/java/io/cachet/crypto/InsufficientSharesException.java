package io.cachet.crypto;

/** Fewer distinct shares than the threshold: the data key cannot be rebuilt. */
public final class InsufficientSharesException extends CachetSecurityException {
  public InsufficientSharesException(String message) {
    super("INSUFFICIENT_SHARES", message);
  }
}
