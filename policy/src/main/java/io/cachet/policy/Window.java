package io.cachet.policy;

/**
 * A member's validity window (milliseconds since the epoch): allowed when
 * {@code notBefore <= t < notAfter}. The start is inclusive and the end exclusive, so
 * back-to-back windows neither overlap nor leave a gap. The start is judged on ledger time; the
 * end at the later of ledger time and the evaluating server's clock ({@link PolicyEvaluator}), so
 * a stalled ledger cannot keep a window open. {@link #ALWAYS} is the window of a member with no
 * limits.
 */
public record Window(long notBefore, long notAfter) {
  public static final Window ALWAYS = new Window(0, Long.MAX_VALUE);

  public Window {
    if (notBefore < 0) {
      throw new IllegalArgumentException("notBefore must not be negative");
    }
  }

  /** Whether the window is well formed: it must end after it starts. */
  public boolean isValid() {
    return notAfter > notBefore;
  }

  /** Whether the window is open at {@code ledgerTime} with a server clock at {@code clockMillis}. */
  public boolean contains(long ledgerTime, long clockMillis) {
    return ledgerTime >= notBefore && Math.max(ledgerTime, clockMillis) < notAfter;
  }

  /** Whether the window is open at {@code ledgerTime} as the ledger alone sees it (no server clock). */
  public boolean contains(long ledgerTime) {
    return contains(ledgerTime, ledgerTime);
  }
}
