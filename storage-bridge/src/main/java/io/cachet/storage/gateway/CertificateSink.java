package io.cachet.storage.gateway;

import io.cachet.storage.network.AvailabilityCertificate;
import io.vertx.core.Future;

/**
 * Where the publisher hands each new availability certificate before it answers the upload. The
 * devnet's sink records it on the ledger; a failed future makes the upload answer 503 (retryable),
 * so a blob is never reported stored without its certificate recorded. Called on the gateway's
 * event loop: implementations must not block.
 */
@FunctionalInterface
public interface CertificateSink {
  Future<Void> record(AvailabilityCertificate certificate);

  /**
   * Whether a certificate could be recorded now, as the gateway's {@code GET /health} asks: completes
   * within about {@code timeoutMillis}, and fails when it could not, its message one sentence for an
   * operator that names neither a path nor an exception's text. By default, always ready.
   */
  default Future<Void> ready(long timeoutMillis) {
    return Future.succeededFuture();
  }

  /** Keeps certificates nowhere but on the nodes themselves. */
  CertificateSink NONE = certificate -> Future.succeededFuture();
}
