package io.cachet.client;

/**
 * What one key server answered for one key fetch, as a person needs to read it: which server, what
 * kind of answer, the HTTP status (0 when there was none), the server's reason code and its message.
 *
 * <p>Of a {@link Kind#DENIED} answer the reason code is signed by the server's receipt; the message
 * is not: it is the server's own unsigned words (anyone on the path could have written them), to
 * show, never to decide on.
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
    /** Not asked or not needed: the others' answers decided the round first. */
    NOT_NEEDED
  }

  /** The outcome of a server whose answer was not needed: {@code decided} of {@code servers} had decided the round. */
  static ServerOutcome notNeeded(String serverId, int decided, int servers) {
    return new ServerOutcome(serverId, Kind.NOT_NEEDED, 0, null, "no answer needed: " + decided + " of " + servers
        + " already decided");
  }

  @Override
  public String toString() {
    if (kind == Kind.NOT_NEEDED) {
      return serverId + ": " + (message == null ? "no answer needed" : message);
    }
    return serverId + ": " + kind.name().toLowerCase().replace('_', ' ')
        + (reason == null ? "" : " " + reason)
        + (httpStatus > 0 && kind != Kind.DENIED ? " (HTTP " + httpStatus + ")" : "")
        + (message == null || message.isBlank() ? "" : ": " + message);
  }
}
