package io.cachet.storage.node;

import java.io.IOException;

/**
 * A write the disk refused for want of room (ENOSPC), which the node answers 507
 * {@value #REASON} in the one error shape rather than 500: the client learns that this node, not
 * the request, is at fault, and an operator sees {@code disk_full} at /health.
 */
final class NoSpace {
  /** The HTTP status of a write the disk had no room for (WebDAV's Insufficient Storage). */
  static final int HTTP_STATUS = 507;
  /** The stable reason code of that answer. */
  static final String REASON = "INSUFFICIENT_STORAGE";
  /**
   * The text the JDK gives an ENOSPC: it throws a plain {@link IOException} carrying strerror's
   * words and no errno, so the words are all there is to tell it by.
   */
  private static final String ENOSPC_TEXT = "No space left on device";

  private NoSpace() {}

  /** Whether {@code t} or one of its causes is an {@link IOException} for ENOSPC. */
  static boolean is(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof IOException && c.getMessage() != null && c.getMessage().contains(ENOSPC_TEXT)) {
        return true;
      }
    }
    return false;
  }
}
