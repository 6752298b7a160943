package io.cachet.storage.gateway;

import java.net.ConnectException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Why a health probe got no answer, in the few words a health report shows instead of the
 * exception's own text (which may name addresses, paths or internals): the part refused the
 * connection, said nothing within the probe's time (a stopped process, a lost host), or dropped
 * the connection.
 */
public final class ProbeFailure {
  /** The words for a refused connection: nothing listens there. */
  public static final String REFUSED = "connection refused";
  /** The words for a connection dropped before the answer: the part went away. */
  public static final String LOST = "connection lost";

  private ProbeFailure() {}

  /** {@link #REFUSED}, "no answer within N ms", or {@link #LOST}. */
  public static String describe(Throwable failure, long timeoutMillis) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String text = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout")
          || text.contains("timeout") || text.contains("timed out")) {
        return "no answer within " + timeoutMillis + " ms";
      }
      if (t instanceof ConnectException || text.contains("connection refused")) {
        return REFUSED;
      }
    }
    return LOST;
  }
}
