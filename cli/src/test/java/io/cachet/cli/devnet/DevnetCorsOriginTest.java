package io.cachet.cli.devnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.cli.UsageException;
import io.cachet.cli.network.NetworkLayout;
import io.cachet.common.http.ApiError;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.RawHttp;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code devnet up --cors-origin}: extra origins, checked by CorsPolicy's rules, kept in
 * devnet.json, and let in by the key servers, the gateway and the ledger beside the viewer's, also
 * after a restart.
 */
class DevnetCorsOriginTest {
  private static final String APP = "http://127.0.0.1:8080";

  @TempDir Path dir;

  private static RawHttp.Answer preflight(String url, String path, String origin, String method, String headers)
      throws Exception {
    return RawHttp.exchange(URI.create(url).getPort(), "OPTIONS", path, "Origin: " + origin,
        "Access-Control-Request-Method: " + method, "Access-Control-Request-Headers: " + headers);
  }

  @Test
  void origins_areCheckedByCorsPolicysRules_normalised_andKeptInDevnetJson() throws Exception {
    Path net = dir.resolve("net");
    for (String bad : List.of("*", "null", "http://a.example/app", "ftp://a.example", "a.example")) {
      assertThatThrownBy(() -> DevnetCors.add(net, List.of(bad))).as(bad).isInstanceOf(UsageException.class)
          .hasMessageStartingWith("--cors-origin: cors-origins ");
    }
    assertThat(Files.exists(net.resolve("devnet.json"))).as("nothing written for a refused origin").isFalse();
    assertThat(DevnetCors.add(net, List.of("HTTP://127.0.0.1:8080", "https://app.example.org:443")))
        .containsExactly(APP, "https://app.example.org");
    assertThat(DevnetCors.add(net, List.of(APP, "http://[::1]:9000")))
        .containsExactly(APP, "https://app.example.org", "http://[::1]:9000");
    assertThat(DevnetCors.recorded(net)).containsExactly(APP, "https://app.example.org", "http://[::1]:9000");
    assertThat(DevnetCors.add(net, List.of())).hasSize(3);
    // settings alone make no devnet: its mode and chain are still to be chosen by the first start
    assertThat(DevnetMode.recorded(net)).isEmpty();
  }

  @Test
  void withProcesses_thePartsAPageCalls_areStartedWithTheViewersOriginAndTheExtraOnes() {
    String value = DevnetCors.value("http://127.0.0.1:4000", List.of(APP, "https://app.example.org"));
    assertThat(value).isEqualTo("http://127.0.0.1:4000," + APP + ",https://app.example.org");
    for (NetworkLayout.Kind kind : NetworkLayout.Kind.values()) {
      NetworkLayout.Part part = new NetworkLayout.Part("p", kind, dir.resolve("p.conf"), dir, dir, 1, "http://127.0.0.1:1");
      List<String> args = ProcessDevnet.launch(part, value).args();
      if (kind == NetworkLayout.Kind.NODE) {
        assertThat(String.join(" ", args)).as(kind.name()).doesNotContain(CorsPolicy.KEY);
      } else {
        assertThat(args).as(kind.name()).containsSubsequence("--set", CorsPolicy.KEY + "=" + value);
      }
    }
  }

  @Test
  void theDevnetsServers_letTheExtraOriginIn_besideTheViewers_alsoAfterARestart() throws Exception {
    Path net = dir.resolve("net");
    DevnetCors.add(net, List.of(APP));
    for (int round = 0; round < 2; round++) {
      try (Devnet devnet = Devnet.start(net, Devnet.Options.defaults().withShardSize(64 * 1024))) {
        String viewer = devnet.viewerUrl().substring(0, devnet.viewerUrl().length() - 1);
        String ks = devnet.status().get("ks-1").url();
        for (String origin : List.of(APP, viewer)) {
          assertThat(preflight(ks, "/v1/fetch_key", origin, "POST", "content-type").status()).as(origin).isEqualTo(204);
          RawHttp.Answer read = preflight(devnet.gatewayUrl(), "/v1/blobs/abc", origin, "GET", "range");
          assertThat(read.status()).as(origin).isEqualTo(204);
          assertThat(read.header("Access-Control-Allow-Origin")).isEqualTo(origin);
          assertThat(preflight(devnet.ledgerUrl(), "/v1/head", origin, "GET", "").status()).as(origin).isEqualTo(204);
        }
        RawHttp.Answer other = preflight(ks, "/v1/fetch_key", "http://127.0.0.1:8081", "POST", "content-type");
        assertThat(other.status()).isEqualTo(403);
        assertThat(ApiError.parse(other.body(), 403).orElseThrow().reason()).isEqualTo(CorsPolicy.ORIGIN_REFUSED);
        // the page's own CSP is the viewer's: an extra origin is let in by the servers, not by the page
        assertThat(RawHttp.exchange(URI.create(viewer).getPort(), "GET", "/").header("Content-Security-Policy"))
            .doesNotContain(":8080");
      }
      assertThat(DevnetCors.recorded(net)).as("devnet.json keeps the origin across restarts").containsExactly(APP);
    }
  }
}
