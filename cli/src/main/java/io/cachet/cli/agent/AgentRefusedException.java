package io.cachet.cli.agent;

import io.cachet.crypto.CachetSecurityException;

/** The agent will not start or answer because its socket would not be private to its user. */
public final class AgentRefusedException extends CachetSecurityException {
  /** The stable reason code. */
  public static final String REASON = "AGENT_NOT_PRIVATE";

  public AgentRefusedException(String message) {
    super(REASON, message);
  }
}
