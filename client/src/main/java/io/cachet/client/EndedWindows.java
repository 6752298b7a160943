package io.cachet.client;

/** What a grant does with a window that has already ended by the ledger's time. */
public enum EndedWindows {
  /** Refuse it with {@link GrantWindowException} ({@code WINDOW_ENDED}): the default, since it grants nothing. */
  REFUSE,
  /** Submit it anyway: the caller means to record a window that is over. */
  ACCEPT
}
