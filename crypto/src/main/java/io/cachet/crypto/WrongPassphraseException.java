package io.cachet.crypto;

/** The keystore does not open with the passphrase given (or was altered: the two look alike). */
public final class WrongPassphraseException extends CachetSecurityException {
  public WrongPassphraseException() {
    super("WRONG_PASSPHRASE", "the keystore does not open with this passphrase (wrong passphrase or altered file)");
  }
}
