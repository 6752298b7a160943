package io.cachet.client;

import io.cachet.policy.Window;
import java.time.Instant;

/**
 * A grant's window that grants nothing, refused before it is signed: it ended already ({@code
 * WINDOW_ENDED}), or it ends before or when it starts ({@code INVALID_WINDOW}). A caller mistake,
 * hence an IllegalArgumentException; {@link #reason} is the stable code.
 */
public final class GrantWindowException extends IllegalArgumentException {
  /** The window's end is at or before the time it was judged at. */
  public static final String WINDOW_ENDED = "WINDOW_ENDED";
  /** The window ends before or when it starts (the ledger would refuse it with the same code). */
  public static final String INVALID_WINDOW = "INVALID_WINDOW";

  private final String reason;
  private final Window window;

  GrantWindowException(String reason, Window window, String message) {
    super(message);
    this.reason = reason;
    this.window = window;
  }

  static GrantWindowException ended(Window window, long judgedAt, String clockName) {
    return new GrantWindowException(WINDOW_ENDED, window, "the window ends at " + Instant.ofEpochMilli(window.notAfter())
        + ", which has passed (" + clockName + " is " + Instant.ofEpochMilli(judgedAt) + "): it would grant nothing");
  }

  static GrantWindowException inverted(Window window) {
    return new GrantWindowException(INVALID_WINDOW, window, "the window ends at "
        + Instant.ofEpochMilli(window.notAfter()) + ", before or when it starts at "
        + Instant.ofEpochMilli(window.notBefore()));
  }

  public String reason() {
    return reason;
  }

  public Window window() {
    return window;
  }
}
