package io.cachet.common.http;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The security headers of a page that runs the browser SDK (the devnet's viewer, an app's reader
 * page): one mechanism, so every such page is as strict as the others.
 *
 * <ul>
 *   <li>{@code Content-Security-Policy}: nothing by default; scripts and styles from the page's
 *       own origin only (no inline script or style, no eval); connections to that origin and to the
 *       origins given (the network's key servers, aggregator, ledger or chain RPC) only; images,
 *       and with {@link #showingBlobs()} media and frames, from the origin and decrypted
 *       {@code blob:} URLs only; no {@code <base>}, no form posts, no framing by any page.
 *   <li>{@code X-Content-Type-Options: nosniff}, {@code Referrer-Policy: no-referrer} (a share
 *       token travels in the fragment, which is never sent, but the page's path is nobody's
 *       business), {@code Cross-Origin-Opener-Policy: same-origin} and {@code Cache-Control:
 *       no-cache}.
 * </ul>
 *
 * <p>Immutable. Origins are given as URLs or origins; what is not an http(s) URL with a host is
 * left out, so a malformed descriptor narrows the policy rather than widening it.
 */
public final class PageHeaders {
  private final Set<String> connect;
  private final boolean blobs;

  private PageHeaders(Set<String> connect, boolean blobs) {
    this.connect = connect;
    this.blobs = blobs;
  }

  /** The headers of a page that may connect to its own origin and to the origins of {@code urls}. */
  public static PageHeaders connectingTo(Collection<String> urls) {
    Set<String> out = new LinkedHashSet<>();
    for (String url : urls) {
      String origin = originOf(url);
      if (origin != null) {
        out.add(origin);
      }
    }
    return new PageHeaders(Collections.unmodifiableSet(out), false);
  }

  /** These headers, also letting the page show decrypted content from {@code blob:} URLs as media and frames. */
  public PageHeaders showingBlobs() {
    return new PageHeaders(connect, true);
  }

  /** The origins, beside its own, the page may connect to, in the order given. */
  public List<String> connectOrigins() {
    return List.copyOf(connect);
  }

  /** The page's Content-Security-Policy. */
  public String contentSecurityPolicy() {
    StringBuilder src = new StringBuilder("'self'");
    for (String origin : connect) {
      src.append(' ').append(origin);
    }
    String content = blobs
        ? "img-src 'self' blob:; media-src 'self' blob:; frame-src 'self' blob:"
        : "img-src 'self'";
    return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src " + src + "; " + content
        + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  }

  /** Sets every header on an answer's {@code headers}. */
  public void apply(MultiMap headers) {
    headers.set("Content-Security-Policy", contentSecurityPolicy())
        .set("X-Content-Type-Options", "nosniff")
        .set("Referrer-Policy", "no-referrer")
        .set("Cross-Origin-Opener-Policy", "same-origin")
        .set("Cache-Control", "no-cache");
  }

  /** A route handler that sets the headers and goes on to the next route. */
  public Handler<RoutingContext> handler() {
    return ctx -> {
      apply(ctx.response().headers());
      ctx.next();
    };
  }

  /**
   * {@code scheme://host[:port]} of an http(s) URL, without user information (an RPC provider's URL
   * may carry some) and with an IPv6 host in brackets; null for anything else.
   */
  public static String originOf(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    URI u;
    try {
      u = URI.create(url.strip());
    } catch (IllegalArgumentException e) {
      return null;
    }
    String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
    String host = u.getHost();
    if (host == null || !("http".equals(scheme) || "https".equals(scheme))) {
      return null;
    }
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return scheme + "://" + host.toLowerCase(Locale.ROOT) + (u.getPort() >= 0 ? ":" + u.getPort() : "");
  }
}
