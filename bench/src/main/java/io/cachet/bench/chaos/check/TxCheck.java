package io.cachet.bench.chaos.check;

import io.cachet.bench.chaos.check.CheckReport.Invariant;
import io.cachet.crypto.Hex;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * No lost transactions: every transaction the soak's client was told is committed must be in the
 * chain, after every restart. For each {@link TxRecord}: the chain holds a transaction of that
 * sender and nonce; where the record has the digest, it is that very transaction; where it has the
 * height it was acknowledged at, it is at that height (a sequencer never signs two blocks at one
 * height, so an acknowledged transaction found elsewhere means history was rewritten). Anything
 * else is "transaction lost".
 */
public final class TxCheck {
  private TxCheck() {}

  /** Checks every record, adding counts and violations to {@code report}; {@code where} names the txs file. */
  public static void check(ChainHistory chain, List<TxRecord> txs, String where, CheckReport.Builder report) {
    for (int line = 0; line < txs.size(); line++) {
      TxRecord tx = txs.get(line);
      String wrong = judge(chain, tx);
      if (wrong == null) {
        report.checked(Invariant.NO_TX_LOST);
      } else {
        report.violation(Invariant.NO_TX_LOST, where, line + 1, tx.height(), "transaction lost: " + tx.kind()
            + " nonce " + tx.nonce() + " of " + tx.sender() + " " + wrong);
      }
    }
  }

  private static String judge(ChainHistory chain, TxRecord tx) {
    Optional<ChainHistory.Placement> found = chain.find(tx.sender(), tx.nonce());
    if (found.isEmpty()) {
      Optional<ChainHistory.Placement> byDigest = tx.digest().length == 0 ? Optional.empty() : chain.find(tx.digest());
      return byDigest.isPresent() ? "is not in the chain under that sender and nonce, though its digest is, at height "
          + byDigest.get().height() : "is not in the chain (head " + chain.head() + ")";
    }
    ChainHistory.Placement p = found.get();
    if (tx.digest().length > 0 && !MessageDigest.isEqual(p.digest(), tx.digest())) {
      return "was acknowledged as " + Hex.to0x(tx.digest()) + ", but the chain holds another transaction ("
          + Hex.to0x(p.digest()) + ") under that sender and nonce, at height " + p.height();
    }
    if (tx.height() >= 0 && p.height() != tx.height()) {
      return "was acknowledged at height " + tx.height() + ", but the chain holds it at height " + p.height();
    }
    return null;
  }
}
