package io.cachet.client;

import io.cachet.common.http.Endpoints;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A connection that could not be made, as a person needs to read it: how it failed and where
 * ({@code host:port}, never a URL, whose path may hold a key). Found in any failure's cause chain,
 * whichever HTTP stack raised it (Vert.x/Netty, the JDK client, OkHttp under web3j).
 *
 * @param how how the connection failed
 * @param where {@code host:port} when the failure names it, else null
 */
public record Unreachable(How how, String where) {
  /** The stable reason code of a connection that could not be made. */
  public static final String REASON = "UNREACHABLE";
  /** A host and port at the end of a connect failure's text: {@code /127.0.0.1:37493}, {@code localhost/[::1]:80}. */
  private static final Pattern HOST_PORT = Pattern.compile(
      "([A-Za-z0-9][A-Za-z0-9.\\-]*|\\[[0-9A-Fa-f:.%a-z0-9]+\\]):(\\d{1,5})\\b");
  /** How deep a cause chain is followed: wrappers nest a few levels, never this many. */
  private static final int MAX_DEPTH = 16;

  /** How a connection failed. */
  public enum How {
    /** Nothing listens there: the part is down, or the port is wrong. Retrying at once does not help. */
    REFUSED("connection refused"),
    /** No answer to the connection within the connect timeout: a firewall, a host that is down. */
    TIMED_OUT("no connection within the timeout"),
    /** The network has no route to the host. */
    NO_ROUTE("no route to the host"),
    /** The host name does not resolve. */
    UNKNOWN_HOST("unknown host");

    private final String words;

    How(String words) {
      this.words = words;
    }

    /** In words: "connection refused". */
    public String words() {
      return words;
    }
  }

  /** The first connect failure in {@code t}'s cause chain, if any. */
  public static Optional<Unreachable> in(Throwable t) {
    Throwable c = t;
    for (int depth = 0; c != null && depth < MAX_DEPTH; depth++, c = c.getCause()) {
      How how = howOf(c);
      if (how != null) {
        return Optional.of(new Unreachable(how, whereIn(c.getMessage())));
      }
    }
    return Optional.empty();
  }

  private static How howOf(Throwable c) {
    String type = c.getClass().getSimpleName();
    if (c instanceof NoRouteToHostException) {
      return How.NO_ROUTE;
    }
    if (c instanceof UnknownHostException) {
      return How.UNKNOWN_HOST;
    }
    if (c instanceof ConnectException) {
      // Netty's ConnectTimeoutException and the JDK client's HttpConnectTimeoutException are ConnectExceptions
      return type.contains("Timeout") ? How.TIMED_OUT : How.REFUSED;
    }
    if (c instanceof SocketTimeoutException && String.valueOf(c.getMessage()).startsWith("failed to connect")) {
      return How.TIMED_OUT;
    }
    return null;
  }

  /** The last {@code host:port} in a connect failure's text, without what precedes a slash. */
  static String whereIn(String message) {
    if (message == null) {
      return null;
    }
    Matcher m = HOST_PORT.matcher(message);
    String found = null;
    while (m.find()) {
      found = m.group(1) + ":" + m.group(2);
    }
    return found;
  }

  /** {@code host:port} of {@code url}, the default port filled in: what a person may be told of an endpoint. */
  public static String where(URI url) {
    return Endpoints.where(url);
  }

  /** "connection refused at 127.0.0.1:37493". */
  public String describe() {
    return how.words() + (where == null ? "" : " at " + where);
  }

  /**
   * {@code t} in words: a connect failure as {@link #describe()}, else its message (or its type)
   * with any URL or request path cut away ({@link Endpoints#redact}).
   */
  static String describe(Throwable t) {
    Optional<Unreachable> u = in(t);
    if (u.isPresent()) {
      return u.get().describe();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : Endpoints.redact(m);
  }
}
