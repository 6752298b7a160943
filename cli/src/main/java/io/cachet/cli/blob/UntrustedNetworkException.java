package io.cachet.cli.blob;

import io.cachet.crypto.CachetSecurityException;

/**
 * A share token names a network the reader has not chosen to trust (another ledger, other key
 * servers or keys, another threshold or storage), or the reader has no network of their own to
 * check it against. The message names each difference.
 */
final class UntrustedNetworkException extends CachetSecurityException {
  /** The stable reason code. */
  static final String REASON = "UNTRUSTED_NETWORK";

  UntrustedNetworkException(String message) {
    super(REASON, message);
  }
}
