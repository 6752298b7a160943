package io.cachet.client;

/**
 * What one key server answered for one key fetch, as a person needs to read it: which server, what
 * kind of answer, the HTTP status (0 when there was none), the server's reason code and its message.
 */
public record ServerOutcome(String serverId, Kind kind, int httpStatus, String reason, String message) {
  public enum Kind {
    /** A share came back, verified and opened. */
    RELEASED,
    /** The server decided against this requester: the policy said no, or the envelope was not its to open. */
    DENIED,
    /** The server could not be reached, timed out, or said it is not serving (overloaded, stale ledger). */
    UNAVAILABLE,
    /** The server answered something that does not verify: a forged receipt, a share that does not open. */
    INVALID,
    /** Not asked or not needed: enough shares came from the others first. */
    NOT_NEEDED
  }

  @Override
  public String toString() {
    if (kind == Kind.NOT_NEEDED) {
      return serverId + ": not waited for";
    }
    return serverId + ": " + kind.name().toLowerCase().replace('_', ' ')
        + (reason == null ? "" : " " + reason)
        + (httpStatus > 0 && kind != Kind.DENIED ? " (HTTP " + httpStatus + ")" : "")
        + (message == null || message.isBlank() ? "" : ": " + message);
  }
}
