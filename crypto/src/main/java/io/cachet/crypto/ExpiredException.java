package io.cachet.crypto;

/** A certificate or request outside its validity window, judged against a time passed in. */
public final class ExpiredException extends CachetSecurityException {
  public ExpiredException(String reason, String message) {
    super(reason, message);
  }
}
