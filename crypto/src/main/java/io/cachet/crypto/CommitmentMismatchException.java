package io.cachet.crypto;

/**
 * The data key rebuilt from the shares is not the one the header commits to. Raised before any
 * plaintext is released, so two readers can never be shown two different plaintexts.
 */
public final class CommitmentMismatchException extends CachetSecurityException {
  public CommitmentMismatchException(String message) {
    super("COMMITMENT_MISMATCH", message);
  }
}
