package io.cachet.cli.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.client.ClientConfig;
import io.cachet.common.http.ApiError;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.RawHttp;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer page a devnet serves: the page, its script and the devnet's descriptor with strict
 * headers, and the devnet's servers letting the page's origin in, and no other.
 */
class DevnetViewerTest {
  @TempDir static Path dir;
  static Devnet devnet;
  static int viewerPort;

  @BeforeAll
  static void up() throws Exception {
    devnet = Devnet.start(dir.resolve("net"), Devnet.Options.defaults().withShardSize(64 * 1024));
    viewerPort = URI.create(devnet.viewerUrl()).getPort();
  }

  @AfterAll
  static void down() {
    if (devnet != null) {
      devnet.close();
    }
  }

  private static RawHttp.Answer viewer(String path) throws Exception {
    return RawHttp.exchange(viewerPort, "GET", path);
  }

  private static int port(String url) {
    return URI.create(url).getPort();
  }

  private static RawHttp.Answer preflight(String url, String path, String origin, String method, String headers)
      throws Exception {
    return RawHttp.exchange(port(url), "OPTIONS", path, "Origin: " + origin, "Access-Control-Request-Method: "
        + method, "Access-Control-Request-Headers: " + headers);
  }

  private static void assertStrict(RawHttp.Answer a) {
    assertThat(a.header("X-Content-Type-Options")).isEqualTo("nosniff");
    String csp = a.header("Content-Security-Policy");
    assertThat(csp).contains("default-src 'none'").contains("script-src 'self';").contains("img-src 'self' blob:")
        .contains("media-src 'self' blob:").contains("frame-src 'self' blob:").contains("frame-ancestors 'none'")
        .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval").doesNotContain("*");
  }

  @Test
  void thePageItsScriptsAndTheDescriptor_areServedWithStrictHeaders() throws Exception {
    assertThat(devnet.viewerUrl()).isEqualTo("http://127.0.0.1:" + viewerPort + "/");
    RawHttp.Answer page = viewer("/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.body()).containsIgnoringCase("<html").contains("viewer.js");
    assertStrict(page);
    for (String script : new String[] {"/viewer.js", "/cachet.js"}) {
      RawHttp.Answer js = viewer(script);
      assertThat(js.status()).as(script).isEqualTo(200);
      assertThat(js.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
      assertThat(js.body()).isNotBlank();
      assertStrict(js);
    }
    assertThat(viewer("/viewer.css").header("Content-Type")).isEqualTo("text/css; charset=utf-8");

    RawHttp.Answer network = viewer("/network.json");
    assertThat(network.status()).isEqualTo(200);
    assertThat(network.header("Content-Type")).isEqualTo("application/json");
    assertThat(network.body()).isEqualTo(Files.readString(devnet.descriptorFile()));
    assertStrict(network);

    // the page may connect to its own origin and the descriptor's servers, and nowhere else
    ClientConfig config = ClientConfig.load(devnet.descriptorFile());
    String csp = page.header("Content-Security-Policy");
    String connect = csp.substring(csp.indexOf("connect-src"), csp.indexOf(';', csp.indexOf("connect-src")));
    Set<String> expected = new java.util.LinkedHashSet<>();
    expected.add("connect-src");
    expected.add("'self'");
    config.keyServers().forEach(ks -> expected.add("http://127.0.0.1:" + ks.url().getPort()));
    expected.add("http://127.0.0.1:" + port(devnet.gatewayUrl()));
    expected.add("http://127.0.0.1:" + port(devnet.ledgerUrl()));
    assertThat(Set.of(connect.split(" "))).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void nothingElse_isServed() throws Exception {
    String sequencer = Files.readString(devnet.dir().resolve("secrets").resolve("sequencer.pass")).strip();
    for (String path : new String[] {"/index.html", "/../secrets/control.token", "/secrets/control.token",
        "/devnet.json", "/viewer/index.html", "/io/cachet/browser/cachet.js"}) {
      RawHttp.Answer a = viewer(path);
      assertThat(a.status()).as(path).isEqualTo(404);
      assertThat(a.body()).startsWith("{\"error\"").doesNotContain(sequencer);
    }
    assertThat(RawHttp.exchange(viewerPort, "POST", "/network.json").status()).isIn(404, 405);
  }

  @Test
  void theDevnetsServers_letTheViewersOriginIn_andNoOther() throws Exception {
    String page = "http://127.0.0.1:" + viewerPort;
    String ks = devnet.status().get("ks-1").url();
    RawHttp.Answer fetch = preflight(ks, "/v1/fetch_key", page, "POST", "content-type");
    assertThat(fetch.status()).isEqualTo(204);
    assertThat(fetch.header("Access-Control-Allow-Origin")).isEqualTo(page);
    RawHttp.Answer read = preflight(devnet.gatewayUrl(), "/v1/blobs/abc", page, "GET", "range");
    assertThat(read.status()).isEqualTo(204);
    assertThat(read.header("Access-Control-Allow-Headers")).isEqualTo("Range");
    RawHttp.Answer head = preflight(devnet.ledgerUrl(), "/v1/head", page, "GET", "");
    assertThat(head.status()).isEqualTo(204);

    for (String other : new String[] {"http://127.0.0.1:" + (viewerPort + 1), "http://localhost:" + viewerPort,
        "null"}) {
      for (RawHttp.Answer refused : new RawHttp.Answer[] {
          preflight(ks, "/v1/fetch_key", other, "POST", "content-type"),
          preflight(devnet.gatewayUrl(), "/v1/blobs/abc", other, "GET", "range")}) {
        assertThat(refused.status()).isEqualTo(403);
        assertThat(ApiError.parse(refused.body(), 403).orElseThrow().reason()).isEqualTo(CorsPolicy.ORIGIN_REFUSED);
      }
    }
  }

  @Test
  void statusShowsTheViewer() {
    assertThat(new InJvmParts(devnet).status().getString("viewerUrl")).isEqualTo(devnet.viewerUrl());
  }
}
