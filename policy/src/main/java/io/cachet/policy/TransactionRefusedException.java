package io.cachet.policy;

/** The ledger refused a transaction; {@link #reason()} is the stable code. */
public final class TransactionRefusedException extends Exception {
  private final Reason reason;

  public TransactionRefusedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
