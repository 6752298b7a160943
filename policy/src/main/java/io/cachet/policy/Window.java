package io.cachet.policy;

/**
 * A member's validity window in ledger time (milliseconds since the epoch, from block
 * timestamps): allowed when {@code notBefore <= t < notAfter}. The start is inclusive and the
 * end exclusive, so back-to-back windows neither overlap nor leave a gap. {@link #ALWAYS} is the
 * window of a member with no limits.
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

  public boolean contains(long ledgerTime) {
    return ledgerTime >= notBefore && ledgerTime < notAfter;
  }
}
