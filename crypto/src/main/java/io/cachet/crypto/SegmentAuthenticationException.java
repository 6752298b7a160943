package io.cachet.crypto;

/**
 * A body segment that does not authenticate: a flipped bit, segments reordered or swapped, a
 * different header (the header is every segment's associated data), or another key.
 */
public final class SegmentAuthenticationException extends BodyIntegrityException {
  public SegmentAuthenticationException(String message, Throwable cause) {
    super("SEGMENT_AUTH", message, cause);
  }
}
