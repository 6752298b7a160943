package io.cachet.storage.gateway;

/**
 * A call to a storage node failed: {@code status} is the HTTP status it answered (0 when it did not
 * answer at all) and {@code reason} the reason code of its error body (or NETWORK).
 */
public final class NodeCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String nodeId;
  private final int status;
  private final String reason;

  public NodeCallException(String nodeId, int status, String reason, String message) {
    super(nodeId + ": " + message);
    this.nodeId = nodeId;
    this.status = status;
    this.reason = reason;
  }

  public String nodeId() {
    return nodeId;
  }

  public int status() {
    return status;
  }

  public String reason() {
    return reason;
  }

  /** True when the node did not answer at all (down, refused, timed out). */
  public boolean unreachable() {
    return status == 0;
  }
}
