package io.cachet.examples.subscription;

import io.cachet.client.ClientConfig;
import io.cachet.common.http.PageHeaders;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The subscriber's reader page, served by the subscription service: the page at {@code /}, its
 * script and style, the browser SDK at {@code /cachet.js} (from the cachet-browser jar), and the
 * network descriptor the service runs on at {@code /network.json}. The page opens articles in the
 * subscriber's own browser, straight from the aggregator and the key servers; the service serves
 * only files that hold no secret.
 *
 * <p>Every answer of the service carries a Content-Security-Policy that runs scripts and styles
 * from the service's origin only and lets the page connect to that origin and the network's key
 * servers, aggregator and ledger (or chain) only; plus {@code nosniff}, no referrer, no framing.
 * The files are read once, when the service starts, so the event loop never reads the disk.
 */
final class ReaderPage {
  /** Where the cachet-browser jar keeps the SDK bundle. */
  static final String SDK = "io/cachet/browser/cachet.js";
  /** Where this example keeps the page. */
  static final String PAGE = "subscription/";
  /** Each path of the page and the resource it serves. */
  private static final Map<String, String> FILES = Map.of(
      "/", PAGE + "index.html",
      "/reader.js", PAGE + "reader.js",
      "/reader.css", PAGE + "reader.css",
      "/cachet.js", SDK);
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8");

  private final Map<String, Buffer> files;
  private final String descriptor;
  private final PageHeaders headers;

  private ReaderPage(Map<String, Buffer> files, String descriptor, PageHeaders headers) {
    this.files = files;
    this.descriptor = descriptor;
    this.headers = headers;
  }

  /**
   * The page for {@code network}, its files read from the class path.
   *
   * @throws IOException if a file is missing (the SDK comes with the cachet-browser jar)
   */
  static ReaderPage load(ClientConfig network) throws IOException {
    Map<String, Buffer> files = new LinkedHashMap<>();
    for (Map.Entry<String, String> f : FILES.entrySet()) {
      files.put(f.getKey(), resource(f.getValue()));
    }
    return new ReaderPage(files, network.toJson(), pageHeaders(network));
  }

  /** Puts the strict headers on every answer of {@code router} and the page's routes on it; call before other routes. */
  void install(Router router) {
    router.route().handler(headers.handler());
    for (Map.Entry<String, Buffer> f : files.entrySet()) {
      String name = FILES.get(f.getKey());
      String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
      router.get(f.getKey()).handler(ctx -> ctx.response().putHeader("Content-Type", type).end(f.getValue()));
    }
    router.get("/network.json").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").end(descriptor));
  }

  /**
   * The headers of every answer (common's {@link PageHeaders}): scripts, styles and connections
   * from the service's origin; connections to the network's servers too; nothing inline, no plugin,
   * no image from elsewhere (the reader shows articles as text), no framing by another page.
   */
  static PageHeaders pageHeaders(ClientConfig network) {
    return PageHeaders.connectingTo(servers(network));
  }

  static String contentSecurityPolicy(ClientConfig network) {
    return pageHeaders(network).contentSecurityPolicy();
  }

  /** The URLs the page talks to: the key servers, the aggregator, and the ledger or the chain's RPC. */
  static List<String> servers(ClientConfig network) {
    List<String> out = new ArrayList<>();
    for (ClientConfig.KeyServer k : network.keyServers()) {
      out.add(k.url().toString());
    }
    out.add(network.aggregator().toString());
    out.add(network.chainUrl().toString());
    return out;
  }

  private static Buffer resource(String name) throws IOException {
    try (InputStream in = ReaderPage.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("the reader page's " + name + " is not on the class path"
            + (name.equals(SDK) ? ": the cachet-browser jar is missing" : ""));
      }
      return Buffer.buffer(in.readAllBytes());
    }
  }
}
