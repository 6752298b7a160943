package io.cachet.common.http;

import java.io.IOException;

/**
 * A peer's answer was larger than the cap for its kind. The reader stopped at the cap (or at a
 * {@code Content-Length} announcing more) and dropped the connection: the bytes past the cap were
 * never read into memory. The peer is at fault, so this is an {@link IOException}, like any other
 * broken answer; the message names the kind of answer and the cap, never the answer's content.
 */
public final class AnswerTooLargeException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The reason code callers report for it, in the one error shape. */
  public static final String REASON = "ANSWER_TOO_LARGE";

  private final String kind;
  private final long cap;

  public AnswerTooLargeException(String kind, long cap) {
    super(kind + " exceeds the " + cap + "-byte cap for its kind");
    this.kind = kind;
    this.cap = cap;
  }

  /** What was being read, e.g. "a ledger block page". */
  public String kind() {
    return kind;
  }

  /** The most bytes that kind of answer may have. */
  public long cap() {
    return cap;
  }

  /** This exception if {@code t} or one of its causes is one (HTTP clients wrap it), else null. */
  public static AnswerTooLargeException in(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof AnswerTooLargeException e) {
        return e;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
