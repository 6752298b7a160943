package io.cachet.client;

import java.io.IOException;

/** The ledger could not be reached, or answered something other than a decision. */
public final class LedgerUnavailableException extends IOException {
  LedgerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
