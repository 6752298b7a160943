package io.cachet.storage.gateway;

/**
 * A failure that ends an upload, with the HTTP answer it gets: a status and the stable reason code
 * of the one error shape. Carries no stack trace: it is an answer, not a bug.
 */
final class UploadFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The reason an upload whose client went away is counted under; nobody receives its answer. */
  static final String ABANDONED = "ABANDONED";

  final int status;
  final String reason;

  UploadFailure(int status, String reason, String message) {
    super(message, null, false, false);
    this.status = status;
    this.reason = reason;
  }
}
