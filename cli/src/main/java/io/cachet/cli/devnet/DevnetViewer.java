package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.common.http.ApiErrors;
import io.cachet.common.http.PageHeaders;
import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.ServerLimitsGuard;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The devnet's viewer page, served on 127.0.0.1: the page and its script from the cachet-browser
 * jar at {@code /}, the SDK bundle at {@code /cachet.js}, and the devnet's own network descriptor
 * at {@code /network.json}. The descriptor is the page's trust anchor: it opens files of the
 * network it is served with, and its key servers, aggregator and ledger let its origin in
 * ({@code cors-origins}).
 *
 * <p>Every answer carries a Content-Security-Policy that runs scripts from this origin only, lets
 * the page connect to this origin and the descriptor's servers only, and shows decrypted content
 * from {@code blob:} URLs; plus {@code nosniff}, no referrer, no framing by others. The files are
 * read once, at start, so the event loop never touches the disk.
 */
final class DevnetViewer implements AutoCloseable {
  /** Where the cachet-browser jar keeps its bundles. */
  static final String RESOURCES = "io/cachet/browser/";
  /** The descriptor's path on the viewer's origin. */
  static final String DESCRIPTOR_PATH = "/network.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The content types of what is served; anything else is not served. */
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8");
  /** Each path on the viewer's origin and the resource it serves. */
  private static final Map<String, String> FILES = Map.of(
      "/", "viewer/index.html",
      "/viewer.js", "viewer/viewer.js",
      "/viewer.css", "viewer/viewer.css",
      "/cachet.js", "cachet.js");

  private final Supplier<String> descriptor;
  /** The headers made from the descriptor last seen, made again only when another one is written. */
  private volatile Headed headed = new Headed(null, pageHeaders(null));
  private HttpServer server;

  /** A descriptor's text and the page headers it gives. */
  private record Headed(String descriptor, PageHeaders headers) {}

  private DevnetViewer(Supplier<String> descriptor) {
    this.descriptor = descriptor;
  }

  /**
   * Serves the viewer on 127.0.0.1:{@code port} (0: any free port) on {@code vertx}.
   *
   * @param descriptor the devnet's descriptor as clients read it; null while it is not written yet
   * @throws IOException if the page is not on the class path (the cachet-browser jar)
   */
  static DevnetViewer start(Vertx vertx, int port, Supplier<String> descriptor) throws Exception {
    Map<String, Buffer> files = new LinkedHashMap<>();
    for (Map.Entry<String, String> f : FILES.entrySet()) {
      files.put(f.getKey(), resource(f.getValue()));
    }
    ServerLimitsGuard guard = new ServerLimitsGuard(vertx, ServerLimits.defaults(), "devnet viewer");
    Router router = Router.router(vertx);
    ApiErrors.install(router);
    guard.install(router);
    DevnetViewer viewer = new DevnetViewer(descriptor);
    router.route().handler(viewer::secure);
    for (Map.Entry<String, Buffer> f : files.entrySet()) {
      String type = TYPES.get(extension(FILES.get(f.getKey())));
      router.get(f.getKey()).handler(ctx -> ctx.response().putHeader("Content-Type", type).end(f.getValue()));
    }
    router.get(DESCRIPTOR_PATH).handler(viewer::descriptor);
    viewer.server = guard.createServer(new HttpServerOptions()).requestHandler(router)
        .listen(port, "127.0.0.1").await(30, TimeUnit.SECONDS);
    return viewer;
  }

  private static Buffer resource(String name) throws IOException {
    try (InputStream in = DevnetViewer.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IOException("the viewer page's " + RESOURCES + name + " is not on the class path: the"
            + " cachet-browser jar is missing from this installation");
      }
      return Buffer.buffer(in.readAllBytes());
    }
  }

  private static String extension(String name) {
    return name.substring(name.lastIndexOf('.') + 1);
  }

  int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:PORT}: what the devnet's servers list in {@code cors-origins}. */
  String origin() {
    return origin(port());
  }

  static String origin(int port) {
    return "http://127.0.0.1:" + port;
  }

  /** The page's address, as {@code devnet up} and {@code status} print it. */
  String url() {
    return origin() + "/";
  }

  // ---------------------------------------------------------------- answers

  private void secure(RoutingContext ctx) {
    // looked at per answer, since the descriptor is written once the devnet is up, after the viewer
    // listens; parsed only when it changed, so the event loop does not read JSON on every answer
    String d = descriptor.get();
    Headed h = headed;
    if (!Objects.equals(h.descriptor(), d)) {
      h = new Headed(d, pageHeaders(d));
      headed = h;
    }
    h.headers().apply(ctx.response().headers());
    ctx.next();
  }

  private void descriptor(RoutingContext ctx) {
    String d = descriptor.get();
    if (d == null) {
      ctx.response().putHeader("Retry-After", "1");
      ApiErrors.send(ctx, 503, "DEVNET_STARTING", "the devnet's descriptor is not written yet; retry once"
          + " 'cachet devnet up' has returned");
      return;
    }
    ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store").end(d);
  }

  /**
   * The headers of every answer (common's {@link PageHeaders}): scripts, styles and connections
   * from this origin, connections to the descriptor's servers too, and decrypted content shown from
   * {@code blob:} URLs; nothing else, no inline script, no plugin, no framing by another page.
   */
  static PageHeaders pageHeaders(String descriptorJson) {
    return PageHeaders.connectingTo(servers(descriptorJson)).showingBlobs();
  }

  static String contentSecurityPolicy(String descriptorJson) {
    return pageHeaders(descriptorJson).contentSecurityPolicy();
  }

  /** The origins of the servers the descriptor names: key servers, aggregator, ledger or chain. */
  static Set<String> servers(String descriptorJson) {
    Set<String> out = new LinkedHashSet<>();
    if (descriptorJson == null) {
      return out;
    }
    JsonNode d;
    try {
      d = JSON.readTree(descriptorJson);
    } catch (IOException e) {
      return out;
    }
    for (JsonNode ks : d.path("keyServers").path("servers")) {
      addOrigin(out, ks.path("url").asText(""));
    }
    addOrigin(out, d.path("storage").path("aggregator").asText(""));
    addOrigin(out, d.path("ledger").path("url").asText(""));
    addOrigin(out, d.path("chain").path("rpcUrl").asText(""));
    return out;
  }

  private static void addOrigin(Set<String> out, String url) {
    String origin = PageHeaders.originOf(url);
    if (origin != null) {
      out.add(origin);
    }
  }

  @Override
  public void close() {
    try {
      server.close().await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
  }
}
