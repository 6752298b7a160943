package io.cachet.bench.chaos.check;

/**
 * The ledger's blocks do not form a valid chain of the trusted ledger: a block not signed by the
 * sequencer, out of chain, of another ledger or genesis, undecodable, or carrying a transaction
 * the rules refuse; a ledger API that serves what does not hold (an error, another ledger id, a
 * read failing once reached, fewer blocks than its head or a release vouch for); or a journal
 * damaged before its tail. The checker trusts nothing unsigned, so it checks nothing against such
 * a chain.
 */
public final class ChainRefusedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String reason;
  private final long height;

  public ChainRefusedException(String reason, long height, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.height = height;
  }

  /**
   * A stable code: {@code BAD_BLOCK_SIGNATURE}, {@code OUT_OF_CHAIN}, {@code WRONG_GENESIS}, {@code MALFORMED_BLOCK},
   * {@code JOURNAL_DAMAGED}, {@code FOREIGN_LEDGER}, {@code LEDGER_ERROR}, {@code MALFORMED_HEAD},
   * {@code LEDGER_READ_FAILED}, {@code LEDGER_SHORT}, ...
   */
  public String reason() {
    return reason;
  }

  /** The height of the block refused (the next expected height when it could not be decoded; -1 for a damaged journal). */
  public long height() {
    return height;
  }
}
