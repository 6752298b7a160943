package io.cachet.common.http;

import io.cachet.common.config.ConfigException;
import io.cachet.common.config.Settings;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which web origins may call a server from a page in a browser, and what each route lets them do:
 * the one CORS mechanism of every Cachet server (key server, gateway, ledger).
 *
 * <h2>The rules</h2>
 *
 * <ul>
 *   <li>Origins are configured exactly ({@code cors-origins}, comma-separated {@code
 *       scheme://host[:port]}): no wildcard, no {@code null}, no path. The scheme and host are kept
 *       in lower case, as browsers send them, and a default port ({@code :80} for http, {@code
 *       :443} for https) is dropped on both sides before the comparison, which is otherwise exact.
 *       An empty list, the default, turns CORS off.
 *   <li>A request from an allowed origin to a route of the policy is answered as usual plus
 *       {@code Access-Control-Allow-Origin: <that origin>} and the headers the route exposes. A
 *       request from any other origin is served as before, without CORS headers: the browser
 *       withholds the answer from the page, and the server's own access rules are untouched.
 *   <li>A preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}) is answered
 *       {@code 204} with the route's methods and request headers only, for {@link #MAX_AGE_SECONDS};
 *       from another origin, or asking for a method or header the route does not take, it is
 *       refused {@code 403} in the one error shape ({@link #ORIGIN_REFUSED}, {@link
 *       #REQUEST_REFUSED}), naming the origin and the key to change.
 *   <li>Never {@code Access-Control-Allow-Credentials}: no Cachet API uses cookies, and a page
 *       must not ride on a browser's ambient credentials.
 * </ul>
 *
 * <p>Install it after the server's {@link ServerLimitsGuard} (preflights count against the limits
 * like any request) and before the routes: {@code cors.install(router, routes)}. Its headers are
 * put on the answer by a first route that runs before the guard's ({@link #HEADERS_ORDER}), so the
 * guard's own refusals ({@code 429} with {@code Retry-After}, also of a preflight) carry them too and
 * a page can read a rate limit instead of seeing a network error; the guard adds {@code Retry-After}
 * to the exposed headers of such a refusal. Immutable; shared by every verticle instance of a server.
 */
public final class CorsPolicy {
  /** The configuration key, the same in every server's configuration. */
  public static final String KEY = "cors-origins";
  /** Reason of a preflight from an origin not in {@code cors-origins}. */
  public static final String ORIGIN_REFUSED = "CORS_ORIGIN_REFUSED";
  /** Reason of a preflight asking for a method or a header its route does not take. */
  public static final String REQUEST_REFUSED = "CORS_REQUEST_REFUSED";
  /** How long a browser may cache a preflight's answer: ten minutes. */
  public static final int MAX_AGE_SECONDS = 600;
  /** The CORS routes run right after the guard's, before any route of the server. */
  public static final int ROUTE_ORDER = ServerLimitsGuard.ROUTE_ORDER + 1;
  /** The routes that put the CORS headers on an answer run before the guard's, which may refuse it. */
  public static final int HEADERS_ORDER = ServerLimitsGuard.ROUTE_ORDER - 1;
  /** Longest Origin header considered; longer ones are no origin a browser sends. */
  static final int MAX_ORIGIN_LENGTH = 300;
  /** Most headers one preflight may ask for; a browser asks for a handful. */
  static final int MAX_REQUESTED_HEADERS = 32;
  /** Characters of a refused origin quoted in a message. */
  private static final int QUOTED_LENGTH = 100;
  /** A serialised origin: lower-case scheme and host (a name, an IPv4 address or a bracketed IPv6 one), a port. */
  private static final Pattern ORIGIN = Pattern.compile(
      "(https?)://([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\\[[0-9a-f:.]{2,45}\\])(?::([1-9][0-9]{0,4}))?");
  /** The context key that marks a request whose CORS route has run: one route per request acts. */
  private static final String HANDLED = "cachet.cors";
  /** The context key that marks a request whose CORS headers are on its answer. */
  private static final String HEADED = "cachet.cors.headers";
  private static final CorsPolicy OFF = new CorsPolicy(Set.of());

  /**
   * What one route lets a page do.
   *
   * @param path the route's path, as the router has it ({@code /v1/blobs/:blobId})
   * @param methods the methods it takes ({@code GET}, {@code POST}, ...)
   * @param requestHeaders the non-simple request headers it takes ({@code Content-Type}, {@code Range})
   * @param exposedHeaders the answer's headers a page may read ({@code Content-Range}, ...)
   */
  public record Route(String path, List<String> methods, List<String> requestHeaders, List<String> exposedHeaders) {
    public Route {
      Objects.requireNonNull(path, "path");
      methods = List.copyOf(methods);
      requestHeaders = List.copyOf(requestHeaders);
      exposedHeaders = List.copyOf(exposedHeaders);
      if (methods.isEmpty()) {
        throw new IllegalArgumentException("a CORS route takes at least one method: " + path);
      }
      for (String m : methods) {
        if (!m.matches("[A-Z]{1,16}")) {
          throw new IllegalArgumentException("a CORS route's method is a word in capitals, was " + m);
        }
      }
    }

    /** A route that takes {@code methods} and no header beyond the simple ones, and exposes none. */
    public static Route of(String path, String... methods) {
      return new Route(path, List.of(methods), List.of(), List.of());
    }

    /** This route, also taking these request headers. */
    public Route takes(String... headers) {
      return new Route(path, methods, List.of(headers), exposedHeaders);
    }

    /** This route, its answers' {@code headers} readable by the page. */
    public Route exposes(String... headers) {
      return new Route(path, methods, requestHeaders, List.of(headers));
    }

    private boolean takesHeader(String name) {
      return requestHeaders.stream().anyMatch(h -> h.equalsIgnoreCase(name));
    }
  }

  private final Set<String> origins;

  private CorsPolicy(Set<String> origins) {
    this.origins = Collections.unmodifiableSet(origins);
  }

  /** CORS off: no origin allowed, every preflight refused. */
  public static CorsPolicy off() {
    return OFF;
  }

  /**
   * The policy allowing exactly {@code origins}; empty turns CORS off.
   *
   * @throws IllegalArgumentException naming {@code cors-origins} and the origin at fault
   */
  public static CorsPolicy of(List<String> origins) {
    Set<String> normal = new LinkedHashSet<>();
    for (String o : origins) {
      normal.add(configured(o));
    }
    return normal.isEmpty() ? OFF : new CorsPolicy(normal);
  }

  /** The policy of a comma-separated list, as the configuration writes it; blank is off. */
  public static CorsPolicy parse(String list) {
    List<String> items = new ArrayList<>();
    if (list != null) {
      for (String item : list.split(",", -1)) {
        if (!item.isBlank()) {
          items.add(item.strip());
        }
      }
    }
    return of(items);
  }

  /**
   * The policy a server's configuration sets with {@link #KEY}; off when the key is unset or empty.
   *
   * @throws ConfigException naming the key, the origin at fault and where the value came from
   */
  public static CorsPolicy fromSettings(Settings settings) {
    try {
      return of(settings.list(KEY));
    } catch (IllegalArgumentException e) {
      // every message of of() starts with the key: the origin goes after it, as Settings.invalid writes it
      throw new ConfigException(KEY + " (from " + settings.origin(KEY) + ")" + e.getMessage().substring(KEY.length()),
          e);
    }
  }

  /** Whether any origin is allowed. */
  public boolean enabled() {
    return !origins.isEmpty();
  }

  /** The allowed origins, normalised, in the configured order. */
  public List<String> origins() {
    return List.copyOf(origins);
  }

  /** The configuration value that reads back to this policy ({@code ""} when off). */
  public String render() {
    return String.join(",", origins);
  }

  /** Whether a request's {@code Origin} header names an allowed origin. */
  public boolean allows(String originHeader) {
    String o = requested(originHeader);
    return o != null && origins.contains(o);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CorsPolicy p && p.origins.equals(origins);
  }

  @Override
  public int hashCode() {
    return origins.hashCode();
  }

  @Override
  public String toString() {
    return enabled() ? "CorsPolicy" + origins : "CorsPolicy[off]";
  }

  // ---------------------------------------------------------------- origins

  /** A configured origin, normalised; refused with a message naming the key and the rule. */
  static String configured(String origin) {
    String text = origin == null ? "" : origin.strip();
    if (text.equals("*")) {
      throw new IllegalArgumentException(KEY + " does not take '*': list each origin that may call this server"
          + " (scheme://host[:port]), so that no page is let in by accident");
    }
    if (text.equalsIgnoreCase("null")) {
      throw new IllegalArgumentException(KEY + " does not take 'null': that is the origin of sandboxed and file"
          + " pages, which any page can make itself; list each origin as scheme://host[:port]");
    }
    if (text.length() > MAX_ORIGIN_LENGTH) {
      throw new IllegalArgumentException(KEY + " has an origin of " + text.length() + " characters; at most "
          + MAX_ORIGIN_LENGTH);
    }
    String normal = normalise(text.toLowerCase(Locale.ROOT));
    if (normal == null) {
      throw new IllegalArgumentException(KEY + " must list origins as scheme://host[:port] (http or https, no path,"
          + " no trailing slash), such as https://app.example.org or http://127.0.0.1:8080; '" + quote(text)
          + "' is not one");
    }
    return normal;
  }

  /** A request's Origin header, normalised; null unless it is a well-formed origin, exactly as browsers write it. */
  private static String requested(String header) {
    if (header == null || header.isEmpty() || header.length() > MAX_ORIGIN_LENGTH) {
      return null;
    }
    return normalise(header);
  }

  /** The origin with a default port dropped; null unless {@code text} matches {@link #ORIGIN}. */
  private static String normalise(String text) {
    Matcher m = ORIGIN.matcher(text);
    if (!m.matches()) {
      return null;
    }
    String scheme = m.group(1);
    String host = m.group(2);
    if (host.contains("..")) {
      return null;
    }
    if (m.group(3) == null) {
      return scheme + "://" + host;
    }
    int port = Integer.parseInt(m.group(3));
    if (port > 65535) {
      return null;
    }
    boolean dflt = scheme.equals("http") ? port == 80 : port == 443;
    return dflt ? scheme + "://" + host : scheme + "://" + host + ":" + port;
  }

  /** Text from a request, fit for a message: printable ASCII only, and short. */
  private static String quote(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length() && i < QUOTED_LENGTH; i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return text.length() > QUOTED_LENGTH ? out + "..." : out.toString();
  }

  // ---------------------------------------------------------------- the routes

  /**
   * Puts each route's CORS handler on {@code router}, at {@link #ROUTE_ORDER}. A request matching
   * several of them is handled by the first.
   */
  public void install(Router router, List<Route> routes) {
    for (Route r : routes) {
      router.route(r.path()).order(HEADERS_ORDER).handler(ctx -> headers(r, ctx));
      router.route(r.path()).order(ROUTE_ORDER).handler(ctx -> handle(r, ctx));
    }
  }

  /**
   * Puts the origin and the route's exposed headers on the answer of an allowed origin, before the
   * guard can refuse it. A preflight gets only the origin here: what it may do is decided after the
   * guard, by {@link #handle}.
   */
  private void headers(Route route, RoutingContext ctx) {
    if (ctx.get(HEADED) != null) {
      ctx.next();
      return;
    }
    ctx.put(HEADED, Boolean.TRUE);
    HttpServerRequest request = ctx.request();
    String originHeader = request.getHeader("Origin");
    MultiMap answer = ctx.response().headers();
    if (enabled()) {
      // the answer differs by Origin, so no cache may hand one origin's answer to another
      answer.add("Vary", "Origin");
    }
    if (allows(originHeader)) {
      answer.set("Access-Control-Allow-Origin", requested(originHeader));
      if (!isPreflight(request) && !route.exposedHeaders().isEmpty()) {
        answer.set("Access-Control-Expose-Headers", String.join(", ", route.exposedHeaders()));
      }
    }
    ctx.next();
  }

  private static boolean isPreflight(HttpServerRequest request) {
    return request.method() == HttpMethod.OPTIONS && request.headers().contains("Access-Control-Request-Method");
  }

  private void handle(Route route, RoutingContext ctx) {
    if (ctx.get(HANDLED) != null) {
      ctx.next();
      return;
    }
    ctx.put(HANDLED, Boolean.TRUE);
    HttpServerRequest request = ctx.request();
    String originHeader = request.getHeader("Origin");
    boolean allowed = allows(originHeader);
    MultiMap answer = ctx.response().headers();
    if (!isPreflight(request)) {
      ctx.next();
      return;
    }
    // a refused preflight grants nothing: the origin put on by headers() comes off again
    answer.remove("Access-Control-Allow-Origin");
    if (!allowed) {
      ApiErrors.send(ctx, 403, ORIGIN_REFUSED, refusal(originHeader));
      return;
    }
    String method = request.getHeader("Access-Control-Request-Method");
    if (!route.methods().contains(method)) {
      ApiErrors.send(ctx, 403, REQUEST_REFUSED, "cross-origin " + quote(method) + " is not taken by "
          + request.path() + "; it takes " + String.join(", ", route.methods()));
      return;
    }
    String asked = request.getHeader("Access-Control-Request-Headers");
    String unknown = unknownHeader(route, asked);
    if (unknown != null) {
      ApiErrors.send(ctx, 403, REQUEST_REFUSED, "cross-origin requests to " + request.path() + " may not send the"
          + " header " + quote(unknown) + "; they may send " + (route.requestHeaders().isEmpty() ? "only simple headers"
          : String.join(", ", route.requestHeaders())));
      return;
    }
    answer.add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers");
    answer.set("Access-Control-Allow-Origin", requested(originHeader));
    answer.set("Access-Control-Allow-Methods", String.join(", ", route.methods()));
    if (!route.requestHeaders().isEmpty()) {
      answer.set("Access-Control-Allow-Headers", String.join(", ", route.requestHeaders()));
    }
    answer.set("Access-Control-Max-Age", Integer.toString(MAX_AGE_SECONDS));
    ctx.response().setStatusCode(204).end();
  }

  /** The first header asked for that the route does not take; null when it takes them all. */
  private static String unknownHeader(Route route, String asked) {
    if (asked == null || asked.isBlank()) {
      return null;
    }
    String[] names = asked.split(",", -1);
    if (names.length > MAX_REQUESTED_HEADERS) {
      return names.length + " headers";
    }
    for (String n : names) {
      String name = n.strip();
      if (!name.isEmpty() && !route.takesHeader(name)) {
        return name;
      }
    }
    return null;
  }

  private String refusal(String originHeader) {
    if (!enabled()) {
      return "this server takes no cross-origin requests (" + KEY + " is empty); its operator lists the page's"
          + " origin in " + KEY + " to let it call";
    }
    String who = originHeader == null ? "a request without an Origin" : "origin " + quote(originHeader);
    return who + " is not in this server's " + KEY + "; its operator adds the page's origin (scheme://host[:port])"
        + " there to let it call";
  }
}
