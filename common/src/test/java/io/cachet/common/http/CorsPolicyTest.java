package io.cachet.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.nio.charset.StandardCharsets;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CORS policy on a real Vert.x server on loopback, spoken to with raw HTTP: what a browser
 * sends from an allowed page, and what a hostile or confused client sends instead.
 */
class CorsPolicyTest {
  private static final String PAGE = "http://127.0.0.1:8080";
  private static final String APP = "https://app.example.org";
  private static final CorsPolicy POLICY = CorsPolicy.of(List.of(PAGE, "HTTPS://App.Example.org:443"));
  private static final List<CorsPolicy.Route> ROUTES = List.of(
      CorsPolicy.Route.of("/v1/fetch_key", "POST").takes("Content-Type").exposes("Retry-After"),
      CorsPolicy.Route.of("/v1/blobs/:blobId", "GET", "HEAD").takes("Range")
          .exposes("Content-Range", "Content-Length", "Accept-Ranges", "ETag"));

  private Vertx vertx;
  private final CountDownLatch held = new CountDownLatch(1);

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** A server with the guard, {@code policy} on {@link #ROUTES}, and a route CORS does not cover. */
  private int serve(CorsPolicy policy) throws Exception {
    return serve(policy, ServerLimits.defaults());
  }

  private int serve(CorsPolicy policy, ServerLimits limits) throws Exception {
    ServerLimitsGuard guard = new ServerLimitsGuard(vertx, limits, "cors test");
    Router router = Router.router(vertx);
    ApiErrors.install(router);
    guard.install(router);
    policy.install(router, ROUTES);
    // a read the server holds unanswered, to fill the client's in-flight slots
    router.get("/v1/blobs/held").handler(ctx -> held.countDown());
    router.post("/v1/fetch_key").handler(ctx -> ApiErrors.send(ctx, 403, "ACCESS_DENIED", "not now"));
    router.get("/v1/blobs/:blobId").handler(ctx -> ctx.response().putHeader("Content-Range", "bytes 0-1/9")
        .setStatusCode(206).end("ab"));
    router.get("/admin").handler(ctx -> ctx.end("private"));
    HttpServer server = guard.createServer(new HttpServerOptions()).requestHandler(router).listen(0, "127.0.0.1")
        .await(30, TimeUnit.SECONDS);
    return server.actualPort();
  }

  private static RawHttp.Answer preflight(int port, String path, String origin, String method, String headers)
      throws Exception {
    return headers == null
        ? RawHttp.exchange(port, "OPTIONS", path, "Origin: " + origin, "Access-Control-Request-Method: " + method)
        : RawHttp.exchange(port, "OPTIONS", path, "Origin: " + origin, "Access-Control-Request-Method: " + method,
            "Access-Control-Request-Headers: " + headers);
  }

  private static void assertRefused(RawHttp.Answer a, String reason) {
    assertThat(a.status()).isEqualTo(403);
    assertThat(a.header("Content-Type")).isEqualTo("application/json");
    assertThat(ApiError.parse(a.body(), 403)).get().extracting(ApiError::reason).isEqualTo(reason);
    assertThat(a.header("Access-Control-Allow-Origin")).isNull();
    assertThat(a.header("Access-Control-Allow-Methods")).isNull();
  }

  // ---------------------------------------------------------------- configuration

  @Test
  void origins_areNormalised_defaultPortDroppedAndLowerCased() {
    assertThat(POLICY.origins()).containsExactly(PAGE, APP);
    assertThat(CorsPolicy.parse(" http://a.example:80 , https://b.example:8443,, ").origins())
        .containsExactly("http://a.example", "https://b.example:8443");
    assertThat(CorsPolicy.parse(POLICY.render())).isEqualTo(POLICY);
    assertThat(CorsPolicy.parse("http://[::1]:9000").origins()).containsExactly("http://[::1]:9000");
    assertThat(CorsPolicy.parse("").enabled()).isFalse();
    assertThat(CorsPolicy.parse(null)).isEqualTo(CorsPolicy.off());
  }

  @Test
  void badOrigins_areRefused_namingTheKey() {
    for (String bad : List.of("*", "null", "NULL", "http://a.example/", "http://a.example/app", "a.example",
        "ftp://a.example", "http://user@a.example", "http://a.example?x=1", "http://a.example#f", "http://",
        "http://a.example:0", "http://a.example:65536", "http://a.example:08080", "http://-a.example",
        "http://a..example", "http://a example", "file:///etc", "http://a.example:80:80",
        "http://" + "a".repeat(400) + ".example")) {
      assertThatThrownBy(() -> CorsPolicy.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("cors-origins ");
    }
    assertThatThrownBy(() -> CorsPolicy.parse("*")).hasMessageContaining("does not take '*'");
  }

  // ---------------------------------------------------------------- allowed origins

  @Test
  void preflight_fromAnAllowedOrigin_isAnsweredWithTheRoutesMethodsAndHeadersOnly() throws Exception {
    int port = serve(POLICY);
    RawHttp.Answer a = preflight(port, "/v1/fetch_key", PAGE, "POST", "content-type");
    assertThat(a.status()).isEqualTo(204);
    assertThat(a.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
    assertThat(a.header("Access-Control-Allow-Methods")).isEqualTo("POST");
    assertThat(a.header("Access-Control-Allow-Headers")).isEqualTo("Content-Type");
    assertThat(a.header("Access-Control-Max-Age")).isEqualTo("600");
    assertThat(String.join(",", a.all("Vary"))).contains("Origin");
    assertThat(a.header("Access-Control-Allow-Credentials")).isNull();

    RawHttp.Answer range = preflight(port, "/v1/blobs/abc", APP, "GET", "range");
    assertThat(range.status()).isEqualTo(204);
    assertThat(range.header("Access-Control-Allow-Origin")).isEqualTo(APP);
    assertThat(range.header("Access-Control-Allow-Methods")).isEqualTo("GET, HEAD");
    assertThat(range.header("Access-Control-Allow-Headers")).isEqualTo("Range");
  }

  @Test
  void request_fromAnAllowedOrigin_carriesTheOriginAndTheExposedHeaders_onErrorsToo() throws Exception {
    int port = serve(POLICY);
    RawHttp.Answer read = RawHttp.exchange(port, "GET", "/v1/blobs/abc", "Origin: " + PAGE, "Range: bytes=0-1");
    assertThat(read.status()).isEqualTo(206);
    assertThat(read.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
    assertThat(read.header("Access-Control-Expose-Headers"))
        .isEqualTo("Content-Range, Content-Length, Accept-Ranges, ETag");
    assertThat(read.all("Vary")).contains("Origin");
    assertThat(read.header("Access-Control-Allow-Credentials")).isNull();

    // a refusal's body is what the page must read to tell the user why
    RawHttp.Answer refused = RawHttp.exchange(port, "POST", "/v1/fetch_key", List.of("Origin: " + APP,
        "Content-Type: application/json"), "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.header("Access-Control-Allow-Origin")).isEqualTo(APP);
    assertThat(refused.header("Access-Control-Expose-Headers")).isEqualTo("Retry-After");
  }

  @Test
  void theGuardsRefusals_carryTheCorsHeaders_soAPageCanReadARateLimit() throws Exception {
    int port = serve(POLICY, ServerLimits.defaults().withPerAddress(100, 1));
    try (Socket holding = new Socket()) {
      holding.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      OutputStream out = holding.getOutputStream();
      out.write(("GET /v1/blobs/held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();

      RawHttp.Answer read = RawHttp.exchange(port, "GET", "/v1/blobs/abc", "Origin: " + PAGE, "Range: bytes=0-1");
      assertThat(read.status()).isEqualTo(429);
      assertThat(ApiError.parse(read.body(), 429).orElseThrow().reason()).isEqualTo("TOO_MANY_REQUESTS");
      assertThat(read.header("Retry-After")).isEqualTo("1");
      assertThat(read.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
      assertThat(read.header("Access-Control-Expose-Headers"))
          .isEqualTo("Content-Range, Content-Length, Accept-Ranges, ETag, Retry-After");
      assertThat(read.all("Vary")).contains("Origin");

      RawHttp.Answer post = RawHttp.exchange(port, "POST", "/v1/fetch_key", List.of("Origin: " + APP,
          "Content-Type: application/json"), "{}".getBytes(StandardCharsets.UTF_8));
      assertThat(post.status()).isEqualTo(429);
      assertThat(post.header("Access-Control-Allow-Origin")).isEqualTo(APP);
      assertThat(post.header("Access-Control-Expose-Headers")).isEqualTo("Retry-After");

      // a preflight refused for load: the page is told, with the origin it may read it under
      RawHttp.Answer pre = preflight(port, "/v1/fetch_key", PAGE, "POST", "content-type");
      assertThat(pre.status()).isEqualTo(429);
      assertThat(pre.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
      assertThat(pre.header("Access-Control-Expose-Headers")).isEqualTo("Retry-After");
      assertThat(pre.header("Access-Control-Allow-Methods")).isNull();

      // another origin still gets no CORS header on a refusal, and a route outside the policy none
      RawHttp.Answer other = RawHttp.exchange(port, "GET", "/v1/blobs/abc", "Origin: https://evil.com");
      assertThat(other.status()).isEqualTo(429);
      assertThat(other.hasCorsHeaders()).isFalse();
      RawHttp.Answer admin = RawHttp.exchange(port, "GET", "/admin", "Origin: " + PAGE);
      assertThat(admin.status()).isEqualTo(429);
      assertThat(admin.hasCorsHeaders()).isFalse();
    }
  }

  @Test
  void anOriginWithItsDefaultPort_isTheSameOrigin() throws Exception {
    int port = serve(POLICY);
    RawHttp.Answer a = preflight(port, "/v1/fetch_key", APP + ":443", "POST", "Content-Type");
    assertThat(a.status()).isEqualTo(204);
    assertThat(a.header("Access-Control-Allow-Origin")).isEqualTo(APP);
  }

  // ---------------------------------------------------------------- refused origins

  @Test
  void preflight_fromAnyOtherOrigin_isRefused_namingTheOriginAndTheKey() throws Exception {
    int port = serve(POLICY);
    for (String other : List.of("http://127.0.0.1:8081", "https://127.0.0.1:8080", "http://localhost:8080",
        "HTTP://127.0.0.1:8080", "https://APP.example.org", "http://app.example.org", PAGE + "/", APP + ".evil.com",
        "https://evil.com", "null", "http://127.0.0.1:8080, https://app.example.org")) {
      RawHttp.Answer a = preflight(port, "/v1/fetch_key", other, "POST", "content-type");
      assertRefused(a, CorsPolicy.ORIGIN_REFUSED);
      assertThat(ApiError.parse(a.body(), 403).orElseThrow().message()).as(other).contains("cors-origins")
          .contains(other.substring(0, Math.min(10, other.length())));
    }
  }

  @Test
  void request_fromAnyOtherOrigin_isServedAsBefore_withoutCorsHeaders() throws Exception {
    int port = serve(POLICY);
    for (String other : List.of("http://127.0.0.1:8081", "https://127.0.0.1:8080", "null", PAGE + "/",
        "HTTP://127.0.0.1:8080")) {
      RawHttp.Answer a = RawHttp.exchange(port, "GET", "/v1/blobs/abc", "Origin: " + other);
      assertThat(a.status()).as(other).isEqualTo(206);
      assertThat(a.body()).isEqualTo("ab");
      assertThat(a.hasCorsHeaders()).as(other).isFalse();
      assertThat(a.all("Vary")).contains("Origin");
    }
    RawHttp.Answer none = RawHttp.exchange(port, "GET", "/v1/blobs/abc");
    assertThat(none.status()).isEqualTo(206);
    assertThat(none.hasCorsHeaders()).isFalse();
  }

  @Test
  void preflight_forAMethodOrHeaderTheRouteDoesNotTake_isRefused() throws Exception {
    int port = serve(POLICY);
    assertRefused(preflight(port, "/v1/fetch_key", PAGE, "DELETE", null), CorsPolicy.REQUEST_REFUSED);
    assertRefused(preflight(port, "/v1/fetch_key", PAGE, "GET", null), CorsPolicy.REQUEST_REFUSED);
    assertRefused(preflight(port, "/v1/blobs/abc", PAGE, "PUT", "content-type"), CorsPolicy.REQUEST_REFUSED);
    assertRefused(preflight(port, "/v1/blobs/abc", PAGE, "post", null), CorsPolicy.REQUEST_REFUSED);
    RawHttp.Answer auth = preflight(port, "/v1/fetch_key", PAGE, "POST", "content-type, authorization");
    assertRefused(auth, CorsPolicy.REQUEST_REFUSED);
    assertThat(ApiError.parse(auth.body(), 403).orElseThrow().message()).contains("authorization");
    assertRefused(preflight(port, "/v1/blobs/abc", PAGE, "GET", "range, x-forwarded-for"),
        CorsPolicy.REQUEST_REFUSED);
    assertRefused(preflight(port, "/v1/blobs/abc", PAGE, "GET", "range," + "x,".repeat(100)),
        CorsPolicy.REQUEST_REFUSED);
  }

  @Test
  void aRouteOutsideThePolicy_getsNoCorsAnswer() throws Exception {
    int port = serve(POLICY);
    RawHttp.Answer pre = preflight(port, "/admin", PAGE, "GET", null);
    assertThat(pre.status()).isNotEqualTo(204);
    assertThat(pre.hasCorsHeaders()).isFalse();
    RawHttp.Answer get = RawHttp.exchange(port, "GET", "/admin", "Origin: " + PAGE);
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.hasCorsHeaders()).isFalse();
  }

  @Test
  void aHugeOrMalformedOrigin_isRefused_andTheServerServesOn() throws Exception {
    int port = serve(POLICY);
    String longName = "http://" + "a".repeat(290) + ".example";
    for (String odd : List.of(longName, "http://127.0.0.1:8080\u00e9", "http://127.0.0.1:99999",
        "http://[::1", "javascript:alert(1)", "http://127.0.0.1:8080@evil.com", "")) {
      RawHttp.Answer a = preflight(port, "/v1/fetch_key", odd, "POST", null);
      assertRefused(a, CorsPolicy.ORIGIN_REFUSED);
      assertThat(ApiError.parse(a.body(), 403).orElseThrow().message()).hasSizeLessThan(400);
      RawHttp.Answer get = RawHttp.exchange(port, "GET", "/v1/blobs/abc", "Origin: " + odd);
      assertThat(get.hasCorsHeaders()).isFalse();
    }
    // past the server's header limit: refused by the HTTP stack itself, still without CORS headers
    RawHttp.Answer huge = RawHttp.exchange(port, "OPTIONS", "/v1/fetch_key", "Origin: http://" + "a".repeat(20_000),
        "Access-Control-Request-Method: POST");
    assertThat(huge.status()).isGreaterThanOrEqualTo(400);
    assertThat(huge.hasCorsHeaders()).isFalse();
    assertThat(preflight(port, "/v1/fetch_key", PAGE, "POST", "content-type").status()).isEqualTo(204);
  }

  @Test
  void corsOff_refusesEveryPreflight_namingTheKey_andAddsNothingElse() throws Exception {
    int port = serve(CorsPolicy.off());
    RawHttp.Answer pre = preflight(port, "/v1/fetch_key", PAGE, "POST", "content-type");
    assertRefused(pre, CorsPolicy.ORIGIN_REFUSED);
    assertThat(ApiError.parse(pre.body(), 403).orElseThrow().message()).contains("cors-origins is empty");
    RawHttp.Answer get = RawHttp.exchange(port, "GET", "/v1/blobs/abc", "Origin: " + PAGE);
    assertThat(get.status()).isEqualTo(206);
    assertThat(get.hasCorsHeaders()).isFalse();
    assertThat(get.all("Vary")).isEmpty();
  }
}
