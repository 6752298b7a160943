package io.cachet.policy;

/** Whether the ledger accepted a transaction, and if not, the stable reason and a readable message. */
public record TxOutcome(boolean accepted, Reason reason, String message) {
  static final TxOutcome ACCEPTED = new TxOutcome(true, null, "accepted");

  static TxOutcome refused(Reason reason, String message) {
    return new TxOutcome(false, reason, message);
  }
}
