package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import java.util.Objects;

/**
 * The answer to "may this requester read under this policy now?", with the ledger state it was
 * decided at. A window end may also have been judged at the evaluating server's clock
 * ({@link PolicyEvaluator}); the message then says so.
 *
 * @param blockHash the hash of the block the decision was taken at, where the ledger names blocks
 *     by hash (EVM: the confirmed block the {@code canRead} call was pinned to, 32 bytes); empty for
 *     the embedded ledger, whose height alone names its state (it has one sequencer and no forks)
 */
public record Decision(PolicyId policy, Address requester, boolean allowed, Reason reason, String message,
    long height, long ledgerTime, byte[] blockHash) {

  /** A decision of a ledger that does not name its blocks by hash. */
  public Decision(PolicyId policy, Address requester, boolean allowed, Reason reason, String message, long height,
      long ledgerTime) {
    this(policy, requester, allowed, reason, message, height, ledgerTime, new byte[0]);
  }

  public Decision {
    Objects.requireNonNull(blockHash, "blockHash");
    blockHash = blockHash.clone();
  }

  @Override
  public byte[] blockHash() {
    return blockHash.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Decision d && allowed == d.allowed && height == d.height && ledgerTime == d.ledgerTime
        && Objects.equals(policy, d.policy) && Objects.equals(requester, d.requester) && reason == d.reason
        && Objects.equals(message, d.message) && java.util.Arrays.equals(blockHash, d.blockHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(policy, requester, allowed, reason, message, height, ledgerTime,
        java.util.Arrays.hashCode(blockHash));
  }

  @Override
  public String toString() {
    return "Decision[" + policy + ", " + requester + ", " + (allowed ? "allowed" : "denied " + reason) + ", "
        + message + ", height " + height + ", ledger time " + ledgerTime
        + (blockHash.length == 0 ? "" : ", block " + io.cachet.crypto.Hex.to0x(blockHash)) + "]";
  }

  /** This decision, taken at the block of hash {@code hash}. */
  public Decision atBlock(byte[] hash) {
    return new Decision(policy, requester, allowed, reason, message, height, ledgerTime, hash);
  }
}
