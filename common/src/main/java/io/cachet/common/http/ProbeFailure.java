package io.cachet.common.http;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.http.HttpClosedException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;

/**
 * Why a health probe got no answer, in the few words a health report shows instead of the
 * exception's own text (which may name addresses, paths or internals): the part refused the
 * connection, said nothing within the probe's time (a stopped process, a lost host), or dropped
 * the connection. Decided by the exception's type along its causes, never by its message, for the
 * JDK's and Vert.x's clients alike.
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
      if (isTimeout(t)) {
        return "no answer within " + timeoutMillis + " ms";
      }
      if (t instanceof ConnectException) {
        return REFUSED;
      }
      if (t instanceof HttpClosedException) {
        return LOST;
      }
    }
    return LOST;
  }

  /**
   * A wait that ran out: Vert.x's request timeout ({@link TimeoutException}), Netty's connect
   * timeout (a {@link ConnectException}, hence asked first), the JDK client's and sockets'.
   */
  private static boolean isTimeout(Throwable t) {
    return t instanceof TimeoutException || t instanceof ConnectTimeoutException
        || t instanceof HttpTimeoutException || t instanceof SocketTimeoutException;
  }
}
