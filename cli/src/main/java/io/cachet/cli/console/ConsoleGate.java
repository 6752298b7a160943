package io.cachet.cli.console;

import io.cachet.common.http.ApiError;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Who may use the console, checked before any route runs. The console acts with the user's
 * unlocked identities, so anything that reaches it can read their files; these rules keep every
 * other page in the browser, and every other user of the machine, out:
 * <ol>
 *   <li><b>Host.</b> Only {@code 127.0.0.1:PORT} and {@code localhost:PORT} are answered. A page on
 *       another site that rebinds its own name to 127.0.0.1 (DNS rebinding) sends its own name as
 *       Host and is refused ({@code 403 FOREIGN_HOST}).</li>
 *   <li><b>The link's token, once.</b> {@code cachet console} prints a link carrying a random
 *       token. The first request with it gets the session cookie and is redirected to the bare
 *       page, so the token leaves the address bar and the history; the token is then spent
 *       ({@code 401 BAD_TOKEN}). Without the cookie, nothing but a refusal is served
 *       ({@code 401 NO_SESSION}). The cookie is HttpOnly and SameSite=Strict, and named for the
 *       port, since cookies are not kept apart by port.</li>
 *   <li><b>The CSRF token, on every API request.</b> The redirect carries the session's CSRF
 *       token in its fragment ({@code /#csrf=...}), which a browser sends to no server; the page
 *       keeps it in its origin's storage, which no other port can read. Every {@code /api/}
 *       request must carry it ({@link #CSRF_HEADER}; a GET may give {@code csrf=}, since a
 *       download link and an event stream cannot set headers; a change only the header), and an
 *       {@code Origin}, when sent, must be the console's own ({@code 403 CSRF}). So the cookie
 *       alone gets nothing: a browser sends cookies for 127.0.0.1 to every port of it, so any
 *       other server there (another user's, say) that the browser visits sees the cookie, but
 *       never the token. A form another page posts here carries neither.</li>
 *   <li><b>Every answer</b> carries a strict Content-Security-Policy (scripts, styles and
 *       connections from the console itself only; no inline script, no framing, no form posted
 *       elsewhere), {@code nosniff}, no referrer and {@code no-store}.</li>
 * </ol>
 * Secrets are compared in constant time. The server listens on 127.0.0.1 only.
 */
final class ConsoleGate {
  /** The request header that carries the session's CSRF token. */
  static final String CSRF_HEADER = "X-Cachet-Csrf";
  /** The query parameter that carries it on a download link, which a browser follows without headers. */
  static final String CSRF_PARAM = "csrf";
  /** The link's query parameter. */
  static final String TOKEN_PARAM = "token";
  /** Random bytes in the link's token, the session id and the CSRF token. */
  private static final int SECRET_BYTES = 32;

  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
      + " img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; form-action 'self';"
      + " frame-ancestors 'none'; base-uri 'none'";

  private final SecureRandom random = new SecureRandom();
  private final int port;
  private final String linkToken;
  private final String cookieName;
  // Guarded by this.
  private boolean linkSpent;
  private String session;
  private String csrf;

  ConsoleGate(int port) {
    this.port = port;
    this.linkToken = secret();
    this.cookieName = "cachet_console_" + port;
  }

  /** The link {@code cachet console} prints: works once. */
  String link() {
    return origin() + "/?" + TOKEN_PARAM + "=" + linkToken;
  }

  String origin() {
    return "http://127.0.0.1:" + port;
  }

  /** The route handler that runs first on every request. */
  void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    secure(ctx.response());
    if (!ownHost(req.authority())) {
      refuse(ctx, 403, "FOREIGN_HOST", foreignHost());
      return;
    }
    String token = req.getParam(TOKEN_PARAM);
    if (token != null && req.method() == HttpMethod.GET && "/".equals(req.path())) {
      exchange(ctx, token);
      return;
    }
    if (!hasSession(req)) {
      refuse(ctx, 401, "NO_SESSION", "open the link 'cachet console' printed (each link opens one browser session;"
          + " start 'cachet console' again for a new one)");
      return;
    }
    boolean change = req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD;
    boolean api = req.path().startsWith("/api/");
    if ((change || api) && (!sameOrigin(req) || !carriesCsrf(req, change))) {
      refuse(ctx, 403, "CSRF", "this request did not come from the console's own page (its CSRF token or origin"
          + " is missing or wrong); open the console's page again, or the link 'cachet console' printed");
      return;
    }
    ctx.next();
  }

  /**
   * Refuses, before the router sees it, a request with no Host at all (or one Vert.x cannot read):
   * Vert.x Web fails such a request before any handler runs, with a bare 400 that carries none of
   * this gate's headers, and logs it as an error. True when it was refused here.
   */
  boolean refusedBeforeRouting(HttpServerRequest req) {
    if (req.authority() != null) {
      return false;
    }
    secure(req.response());
    refuse(req, 403, "FOREIGN_HOST", foreignHost());
    return true;
  }

  private String foreignHost() {
    return "this console answers only at " + origin() + "; a request naming another host is refused (a page on"
        + " another site may be trying to reach it)";
  }

  private static void secure(HttpServerResponse res) {
    res.putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Cross-Origin-Opener-Policy", "same-origin")
        .putHeader("Cross-Origin-Resource-Policy", "same-origin")
        .putHeader("Cache-Control", "no-store");
  }

  private synchronized void exchange(RoutingContext ctx, String token) {
    if (linkSpent || !equal(token, linkToken)) {
      refuse(ctx, 401, "BAD_TOKEN", "this console link is not valid or was used already (each link opens one"
          + " browser session); start 'cachet console' again for a new link");
      return;
    }
    linkSpent = true;
    session = secret();
    csrf = secret();
    ctx.response().addCookie(Cookie.cookie(cookieName, session).setHttpOnly(true).setPath("/")
        .setSameSite(CookieSameSite.STRICT));
    // the token travels in the fragment, which the browser sends to no server: only this page's scripts see it
    ctx.response().setStatusCode(303).putHeader("Location", "/#" + CSRF_PARAM + "=" + csrf).end();
  }

  private synchronized boolean hasSession(HttpServerRequest req) {
    Cookie c = req.getCookie(cookieName);
    return session != null && c != null && equal(c.getValue(), session);
  }

  /**
   * Whether the request carries the session's CSRF token: in the header, or, on a GET (a download
   * link, an event stream, which cannot set headers), as {@code csrf=}; a change only in the header.
   */
  private synchronized boolean carriesCsrf(HttpServerRequest req, boolean change) {
    String given = req.getHeader(CSRF_HEADER);
    if (given == null && !change) {
      given = req.getParam(CSRF_PARAM);
    }
    return csrf != null && given != null && equal(given, csrf);
  }

  /** An Origin, when the browser sends one, must be the console's own (either name of it). */
  private boolean sameOrigin(HttpServerRequest req) {
    String o = req.getHeader("Origin");
    return o == null || o.equals(origin()) || o.equals("http://localhost:" + port);
  }

  private boolean ownHost(HostAndPort authority) {
    if (authority == null || authority.port() != port) {
      return false;
    }
    String host = authority.host();
    return "127.0.0.1".equals(host) || "localhost".equalsIgnoreCase(host);
  }

  private static void refuse(RoutingContext ctx, int code, String reason, String message) {
    refuse(ctx.request(), code, reason, message);
  }

  private static void refuse(HttpServerRequest req, int code, String reason, String message) {
    if (req.path() != null && req.path().startsWith("/api/")) {
      ConsoleAnswers.error(req.response(), ApiError.of(code, reason, message), null, null);
      return;
    }
    // a person's browser: a page that says what happened, with no script of its own
    req.response().setStatusCode(code).putHeader("content-type", "text/html; charset=utf-8")
        .end("<!doctype html><html lang=en><head><meta charset=utf-8><title>Cachet console</title></head>"
            + "<body><h1>Cachet console</h1><p id=refusal data-reason=\"" + escape(reason) + "\">" + escape(message)
            + "</p></body></html>");
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
        .replace("\"", "&quot;");
  }

  private String secret() {
    byte[] b = new byte[SECRET_BYTES];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static boolean equal(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
