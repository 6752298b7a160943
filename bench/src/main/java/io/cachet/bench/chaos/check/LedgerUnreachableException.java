package io.cachet.bench.chaos.check;

import java.io.IOException;

/**
 * The ledger's API could not be reached at all: its first request found no connection (refused,
 * or none within the connect timeout) before any byte arrived. The one failure after which the
 * checker may read the ledger's journal instead ({@link LedgerApi}).
 */
public final class LedgerUnreachableException extends IOException {
  private static final long serialVersionUID = 1L;

  public LedgerUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
