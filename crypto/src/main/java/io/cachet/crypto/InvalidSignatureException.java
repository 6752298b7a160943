package io.cachet.crypto;

/** A signature that does not verify under the key it claims, or a key that does not match its address. */
public final class InvalidSignatureException extends CachetSecurityException {
  public InvalidSignatureException(String message) {
    super("BAD_SIGNATURE", message);
  }
}
