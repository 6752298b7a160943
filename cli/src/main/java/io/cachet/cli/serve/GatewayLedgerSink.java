package io.cachet.cli.serve;

import io.cachet.common.http.BoundedBody;
import io.cachet.common.http.Endpoints;
import io.cachet.common.http.ProbeFailure;
import io.cachet.crypto.Identity;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.LedgerClient.LedgerUnavailableException;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.Operation;
import io.cachet.policy.Transaction;
import io.cachet.storage.gateway.CertificateSink;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.walrus.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each availability certificate on a ledger over HTTP, as a {@code RecordCertificate}
 * transaction signed by the gateway's identity, and completes only once the ledger has committed
 * it ({@code wait=true}): the gateway answers a put only after its certificate is on the ledger.
 *
 * <p>Submissions go one at a time, so that each takes the nonce the ledger reports after the one
 * before it. A ledger that cannot be reached is asked again after the project's one backoff
 * ({@link RetryPolicy}); a ledger that refuses the transaction is not, and the put fails
 * (503, retryable by the client). The gateway's {@code /health} asks {@link #ready} whether the
 * ledger would take a certificate now: the ledger's own {@code /health}, on a client of its own
 * with the probe's timeouts, so a silent ledger costs the probe its time and no more.
 */
final class GatewayLedgerSink implements CertificateSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayLedgerSink.class);

  /** Most bytes of the ledger's health answer read: a few dozen. */
  private static final long MAX_HEALTH_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final LedgerClient ledger;
  /** For the health probe alone: its own timeouts, apart from the submissions' connections. */
  private final HttpClient probe;
  private final URI health;
  /** The ledger as messages name it: host:port, never the URL, whose path may hold a key. */
  private final String where;
  private final LedgerRef ref;
  private final Identity identity;
  private final RetryPolicy retry;
  /** The submission before the next one; touched only on the gateway's event loop. */
  private Future<Void> last = Future.succeededFuture();

  GatewayLedgerSink(Vertx vertx, String ledgerUrl, LedgerRef ref, Identity identity, RetryPolicy retry) {
    this.vertx = vertx;
    this.ledger = new LedgerClient(vertx, ledgerUrl);
    this.probe = vertx.createHttpClient();
    this.health = Endpoints.under(URI.create(ledgerUrl), "/health");
    this.where = Endpoints.where(ledgerUrl);
    this.ref = ref;
    this.identity = identity;
    this.retry = retry;
  }

  @Override
  public Future<Void> record(AvailabilityCertificate c) {
    List<Operation.NodeSignature> sigs = c.confirmations().stream()
        .map(x -> new Operation.NodeSignature(x.nodeId(), VerifyingKey.of(x.publicKey()), x.signature()))
        .toList();
    Operation op = new Operation.RecordCertificate(c.blobId().bytes(), c.size(), c.endEpoch(), sigs);
    Future<Void> mine = last.transform(ignored -> attempt(op, 1))
        .onSuccess(v -> LOG.info("event=certificate_recorded blob={} end_epoch={}", c.blobId(), c.endEpoch()))
        .onFailure(e -> LOG.warn("event=certificate_not_recorded blob={} reason=\"{}\"", c.blobId(), e.getMessage()));
    last = mine.transform(ignored -> Future.succeededFuture());
    return mine;
  }

  private Future<Void> attempt(Operation op, int attempt) {
    return ledger.nextNonce(identity.address())
        .compose(nonce -> ledger.submit(Transaction.sign(identity, ref, nonce, op)))
        .<Void>mapEmpty()
        .recover(e -> {
          if (!(e instanceof LedgerUnavailableException) || attempt >= retry.maxAttempts()) {
            return Future.failedFuture(e);
          }
          long wait = Math.max(1, retry.backoff(attempt).toMillis());
          LOG.info("event=ledger_retry attempt={} wait_ms={} reason=\"{}\"", attempt, wait, e.getMessage());
          return vertx.timer(wait).compose(t -> attempt(op, attempt + 1));
        });
  }

  /** Asks the ledger's {@code /health}: ready only on a 200 within {@code timeoutMillis}. */
  @Override
  public Future<Void> ready(long timeoutMillis) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(health.toString())
        .setConnectTimeout(timeoutMillis).setIdleTimeout(timeoutMillis);
    Future<BoundedBody.Answer> answer;
    try {
      answer = BoundedBody.exchange(probe, request, null, "the ledger's health", MAX_HEALTH_BYTES);
    } catch (IllegalStateException e) {
      return Future.failedFuture(new LedgerUnavailableException("the gateway is stopping"));
    }
    return answer.<Void>transform(r -> {
      if (r.failed()) {
        return Future.failedFuture(new LedgerUnavailableException("the ledger at " + where + " cannot be reached ("
            + ProbeFailure.describe(r.cause(), timeoutMillis) + ")"));
      }
      if (r.result().status() != 200) {
        return Future.failedFuture(new LedgerUnavailableException("the ledger at " + where + " answers /health with"
            + " HTTP " + r.result().status() + ", so it takes no transaction"));
      }
      return Future.succeededFuture();
    });
  }

  @Override
  public void close() {
    probe.close();
    ledger.close();
    identity.destroy();
  }
}
