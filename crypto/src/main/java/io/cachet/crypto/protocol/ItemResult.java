package io.cachet.crypto.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;

/**
 * The answer for one item of a batch: {@code released} (its share is in the response's
 * {@code sealedShares}), or {@code denied} with a stable reason code and a message a person can
 * read. A released item carries no reason and no message. The receipt of the response signs the
 * status and reason; the message is informative.
 */
public record ItemResult(int item, String status, String reason, String message) {
  public static final String RELEASED = "released";
  public static final String DENIED = "denied";

  public ItemResult {
    if (item < 0 || item >= FetchKeyRequest.MAX_ITEMS) {
      throw new IllegalArgumentException("item index out of range");
    }
    Objects.requireNonNull(status, "status");
    switch (status) {
      case RELEASED -> {
        if (reason != null || message != null) {
          throw new IllegalArgumentException("a released item carries no reason");
        }
      }
      case DENIED -> {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
      }
      default -> throw new IllegalArgumentException("status must be released or denied, was " + status);
    }
  }

  public static ItemResult released(int item) {
    return new ItemResult(item, RELEASED, null, null);
  }

  public static ItemResult denied(int item, String reason, String message) {
    return new ItemResult(item, DENIED, reason, message);
  }

  /** Derived from {@link #status}; not a field of the wire form (strict parsing would refuse it). */
  @JsonIgnore
  public boolean isReleased() {
    return RELEASED.equals(status);
  }
}
