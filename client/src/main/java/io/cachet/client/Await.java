package io.cachet.client;

import io.cachet.common.http.Endpoints;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.TransactionRefusedException;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one way the client's blocking API waits for a Vert.x future from a plain thread, turning
 * failures into the API's exceptions: security refusals as they are, the ledger's refusals as
 * {@link LedgerRefusedException}, an unreachable ledger as {@link LedgerUnavailableException},
 * anything else as an IOException. Never call it from an event loop.
 */
final class Await {
  /** How many request timeouts one blocking call waits: a call may be a request and its retry. */
  static final int TIMEOUTS_PER_CALL = 3;

  private Await() {}

  /**
   * The future's result within {@code requestTimeout} × {@link #TIMEOUTS_PER_CALL}.
   *
   * @param ledger what names the ledger in an unavailability message (its URL, of which only host:port is told)
   */
  static <T> T join(Future<T> f, Duration requestTimeout, Object ledger) throws IOException, CachetSecurityException {
    Duration limit = requestTimeout.multipliedBy(TIMEOUTS_PER_CALL);
    try {
      return f.toCompletionStage().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof CachetSecurityException s) {
        throw s;
      }
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof TransactionRefusedException r) {
        throw new LedgerRefusedException(r.reason().name(), "the ledger refused (" + r.reason().name() + "): "
            + r.getMessage());
      }
      if (c instanceof LedgerClient.LedgerUnavailableException u) {
        // host:port only: a URL's path may hold a key, and the message reaches people and logs
        throw new LedgerUnavailableException(Endpoints.redact(u.getMessage()) + " (the ledger at " + (ledger instanceof URI url
            ? Unreachable.where(url) : ledger) + ")", u);
      }
      throw new IOException(c.getMessage() == null ? c.getClass().getSimpleName() : Endpoints.redact(c.getMessage()), c);
    } catch (TimeoutException e) {
      throw new IOException("no answer within " + limit.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }
}
