package io.cachet.policy.evm;

import java.io.IOException;

/**
 * A scan of the contract's events would pass its caps: too many {@code eth_getLogs} calls for the
 * blocks between its start and the head, or too many candidate policies found. Nothing partial is
 * answered; the caller starts later (the contract's deployment block) to read less.
 */
public final class LogScanTooLongException extends IOException {
  private final long fromBlock;

  public LogScanTooLongException(String message, long fromBlock) {
    super(message);
    this.fromBlock = fromBlock;
  }

  /** The block the refused scan would have started at. */
  public long fromBlock() {
    return fromBlock;
  }
}
