package io.cachet.crypto;

/** More than t shares that do not all lie on one polynomial: a dishonest encryptor or key server. */
public final class InconsistentSharesException extends CachetSecurityException {
  public InconsistentSharesException(String message) {
    super("INCONSISTENT_SHARES", message);
  }
}
