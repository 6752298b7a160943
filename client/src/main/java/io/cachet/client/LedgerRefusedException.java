package io.cachet.client;

import io.cachet.crypto.CachetSecurityException;

/** The ledger refused: a policy transaction (not the owner or an admin, a bad window...) or a lookup (unknown policy). */
public final class LedgerRefusedException extends CachetSecurityException {
  LedgerRefusedException(String reason, String message) {
    super(reason, message);
  }
}
