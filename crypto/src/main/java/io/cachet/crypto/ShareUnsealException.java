package io.cachet.crypto;

/**
 * A sealed share that does not open under the context it is presented with. Because the HPKE
 * context binds ledger, policy, object, threshold and key-server slot, this is what a share moved
 * to another policy, object or index looks like; it is not a policy decision.
 */
public final class ShareUnsealException extends CachetSecurityException {
  public ShareUnsealException(String message, Throwable cause) {
    super("CONTEXT_MISMATCH", message, cause);
  }
}
