package io.cachet.storage;

import java.io.IOException;

/**
 * A storage operation failed. {@link #reason()} is the stable code a program switches on;
 * {@link #httpStatus()} the status the network answered (0 when no answer came).
 */
public class StorageException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why, in the Walrus error vocabulary where one exists. */
  public enum Reason {
    BLOB_NOT_FOUND,
    INVALID_ARGUMENT,
    UNAUTHENTICATED,
    SIZE_EXCEEDED,
    TOO_LARGE,
    INVALID_BYTE_RANGE,
    RATE_LIMITED,
    FORBIDDEN_BLOB,
    INTERNAL,
    UNAVAILABLE,
    INSUFFICIENT_CONFIRMATIONS,
    /** The answer did not parse as any Walrus response. */
    PROTOCOL,
    /** No answer: the connection was reset or timed out, or the answer stalled. Retried. */
    NETWORK,
    /**
     * The publisher or aggregator cannot be reached at all: it refused the connection or its host
     * name does not resolve. Fails at once (one quick retry); the message names which part and
     * its host:port.
     */
    UNREACHABLE,
    /** A shard or blob failed verification. */
    INTEGRITY
  }

  private final Reason reason;
  private final int httpStatus;

  public StorageException(Reason reason, int httpStatus, String message) {
    super(message);
    this.reason = reason;
    this.httpStatus = httpStatus;
  }

  public StorageException(Reason reason, int httpStatus, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.httpStatus = httpStatus;
  }

  public Reason reason() {
    return reason;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
