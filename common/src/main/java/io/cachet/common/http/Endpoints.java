package io.cachet.common.http;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * How an endpoint may be named to a person or a log: by {@code host:port} only. Providers put API
 * keys in the path or query of their URLs, so neither a URL's path nor a request's URI is ever
 * told; every message built from a URL or from an HTTP stack's failure text goes through here.
 */
public final class Endpoints {
  /** An absolute http(s) URL in free text: what follows its authority is dropped. */
  private static final Pattern URL = Pattern.compile("(?i)\\bhttps?://([^/\\s?#]+)[^\\s,;)]*");
  /** A request line in free text ({@code GET /v1/...}), as Vert.x's request timeout writes it. */
  private static final Pattern REQUEST = Pattern.compile("\\b(GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS) /[^\\s,;)]*");

  private Endpoints() {}

  /** {@code host:port} of {@code url}, the default port filled in. */
  public static String where(URI url) {
    int port = url.getPort();
    if (port < 0) {
      port = "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }
    String host = url.getHost() == null ? "?" : url.getHost();
    return host + ":" + port;
  }

  /** {@code host:port} of a URL given as text; {@code "?"} if it is not a URL. */
  public static String where(String url) {
    try {
      return where(URI.create(url));
    } catch (IllegalArgumentException e) {
      return "?";
    }
  }

  /**
   * {@code message} with every URL cut to its {@code host:port} and every request's path removed,
   * so that an HTTP stack's failure text may be shown; null stays null.
   */
  public static String redact(String message) {
    if (message == null) {
      return null;
    }
    String out = URL.matcher(message).replaceAll("$1");
    return REQUEST.matcher(out).replaceAll("$1 request");
  }
}
