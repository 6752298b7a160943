package io.cachet.crypto.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;

/**
 * The answer for one item of a batch: either {@code released} with the share re-sealed to the
 * requester and a receipt, or {@code denied} with a stable reason code and a message a person can
 * read. The fields of the other outcome are null.
 */
public record ItemResult(int item, String status, byte[] releasedShare, Receipt receipt, String reason, String message) {
  public static final String RELEASED = "released";
  public static final String DENIED = "denied";

  public ItemResult {
    if (item < 0 || item >= FetchKeyRequest.MAX_ITEMS) {
      throw new IllegalArgumentException("item index out of range");
    }
    Objects.requireNonNull(status, "status");
    switch (status) {
      case RELEASED -> {
        Objects.requireNonNull(releasedShare, "releasedShare");
        Objects.requireNonNull(receipt, "receipt");
        if (reason != null || message != null) {
          throw new IllegalArgumentException("a released item carries no reason");
        }
        releasedShare = releasedShare.clone();
      }
      case DENIED -> {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        if (releasedShare != null || receipt != null) {
          throw new IllegalArgumentException("a denied item carries no share");
        }
      }
      default -> throw new IllegalArgumentException("status must be released or denied, was " + status);
    }
  }

  public static ItemResult released(int item, byte[] releasedShare, Receipt receipt) {
    return new ItemResult(item, RELEASED, releasedShare, receipt, null, null);
  }

  public static ItemResult denied(int item, String reason, String message) {
    return new ItemResult(item, DENIED, null, null, reason, message);
  }

  /** Derived from {@link #status}; not a field of the wire form (strict parsing would refuse it). */
  @JsonIgnore
  public boolean isReleased() {
    return RELEASED.equals(status);
  }

  @Override
  public byte[] releasedShare() {
    return releasedShare == null ? null : releasedShare.clone();
  }
}
