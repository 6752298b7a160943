package io.cachet.storage.node;

/**
 * A storage node refused or failed an operation for a reason a client can act on. {@link #reason()}
 * is the stable code the HTTP layer puts in the AIP-193 error's {@code reason}; {@link Reason#status}
 * the status it answers with. Plain I/O failures of the node's own disk are {@code IOException}s,
 * not this.
 */
public final class NodeException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why, with the HTTP status the node answers. */
  public enum Reason {
    /** No such blob, or it expired. */
    BLOB_NOT_FOUND(404),
    /** The blob is held but this shard is not on disk (never repaired, or lost). */
    SHARD_MISSING(404),
    /** The shard on disk does not match its digest; it is never served. */
    SHARD_CORRUPT(500),
    /** The node's own metadata file for a blob is missing or does not match the blob id. */
    METADATA_CORRUPT(500),
    UPLOAD_NOT_FOUND(404),
    /** Commit of an upload that lacks some stripe. */
    INCOMPLETE_UPLOAD(409),
    /** Shard bytes whose length or SHA-256 is not the one the metadata lists. */
    DIGEST_MISMATCH(400),
    BAD_METADATA(400),
    /** Metadata for another encoding than the network's. */
    WRONG_ENCODING(400),
    /** An end epoch not after the current epoch, or too far ahead. */
    BAD_EPOCH(400),
    BAD_CERTIFICATE(400),
    /** A stripe index past the blob's (or any upload's) last stripe. */
    BAD_STRIPE(400),
    /** A malformed request: JSON, base64, ids, parameters. */
    INVALID_ARGUMENT(400),
    TOO_LARGE(413),
    /** The node already has as many uploads open as it allows, or this publisher its share of shard bodies. */
    TOO_MANY_UPLOADS(503),
    /** A write without (or with malformed) publisher signature headers. */
    UNTRUSTED_PUBLISHER_UNSIGNED(401, "UNTRUSTED_PUBLISHER"),
    /** A write signed by a key the node does not trust, or whose signature does not verify. */
    UNTRUSTED_PUBLISHER(403),
    /** A signed write whose timestamp lies outside the replay window. */
    STALE_REQUEST(401),
    /** A signed write stamped before the node's restart floor; the publisher signs it again with a fresh timestamp. */
    REQUEST_BEFORE_RESTART(401),
    /** A signed write received before (same publisher, same nonce). */
    REPLAYED_REQUEST(401),
    /** A body whose SHA-256 is not the one the publisher signed. */
    BODY_MISMATCH(400),
    /** A body in a format the node no longer reads (a v1 JSON commit). */
    UNSUPPORTED_FORMAT(415);

    public final int status;
    private final String code;

    Reason(int status) {
      this(status, null);
    }

    Reason(int status, String code) {
      this.status = status;
      this.code = code;
    }

    /** The stable reason code on the wire (several reasons may share one, with different statuses). */
    public String code() {
      return code == null ? name() : code;
    }
  }

  private final Reason reason;

  public NodeException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public int httpStatus() {
    return reason.status;
  }
}
