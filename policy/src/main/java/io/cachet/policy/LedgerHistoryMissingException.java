package io.cachet.policy;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The ledger's journal ends below the highest block this ledger has signed and served: its tail
 * was lost after followers saw it. The sequencer refuses to start, since a block it signed now
 * would be a second, different block at a height followers already hold. {@link LedgerRecovery}
 * fetches the missing blocks from a follower, checks them and appends them; then it starts.
 */
public final class LedgerHistoryMissingException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long journalHeight;
  private final long signedHeight;

  LedgerHistoryMissingException(Path dataDir, long journalHeight, long signedHeight) {
    super("ledger journal in " + dataDir + " ends at height " + journalHeight + ", this ledger signed up to height "
        + signedHeight + "; refusing to sign again at those heights: run the recovery command"
        + " (cachet ledger recover --data " + dataDir + " --ledger ID --sequencer-key KEY --from KEY_SERVER_URL ...)");
    this.journalHeight = journalHeight;
    this.signedHeight = signedHeight;
  }

  /** The height of the journal's last block (-1 if it holds none). */
  public long journalHeight() {
    return journalHeight;
  }

  /** The highest height this ledger signed and served. */
  public long signedHeight() {
    return signedHeight;
  }
}
