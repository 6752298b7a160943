package io.cachet.cli;

import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.storage.BlobId;

/** Ids as a person pastes them, with an error that says what was expected. */
public final class Ids {
  private Ids() {}

  public static PolicyId policy(String text) {
    try {
      return PolicyId.parse(text.trim());
    } catch (FormatException e) {
      throw new UsageException("'" + text + "' is not a policy id (0x and 64 hex digits, as 'cachet policy create'"
          + " printed it)");
    }
  }

  public static BlobId blob(String text) {
    try {
      return BlobId.parse(text.trim());
    } catch (IllegalArgumentException e) {
      throw new UsageException("'" + text + "' is not a blob id (43 base64url characters, as 'cachet put' printed"
          + " it) nor a share token");
    }
  }
}
