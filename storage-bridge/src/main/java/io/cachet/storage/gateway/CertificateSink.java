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

  /** Keeps certificates nowhere but on the nodes themselves. */
  CertificateSink NONE = certificate -> Future.succeededFuture();
}
