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
   * The URL of {@code route} (a path from the root of a part's API, such as {@code /v1/fetch_key},
   * with an optional query) under {@code base}: the base's path is kept, as a part may be mounted
   * under a prefix (a gateway, a provider's key in the path), and the base's query is kept too,
   * joined with the route's. {@code URI.resolve("/v1/...")} would drop the base's path.
   */
  public static URI under(URI base, String route) {
    if (!route.startsWith("/")) {
      throw new IllegalArgumentException("a route starts with /: " + route);
    }
    int q = route.indexOf('?');
    String path = q < 0 ? route : route.substring(0, q);
    String query = q < 0 ? null : route.substring(q + 1);
    String basePath = base.getRawPath() == null ? "" : base.getRawPath();
    if (basePath.endsWith("/")) {
      basePath = basePath.substring(0, basePath.length() - 1);
    }
    String baseQuery = base.getRawQuery();
    String joined = baseQuery == null ? query : query == null ? baseQuery : baseQuery + "&" + query;
    return URI.create(base.getScheme() + "://" + base.getRawAuthority() + basePath + path
        + (joined == null ? "" : "?" + joined));
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
