package io.cachet.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one set of security headers every SDK page is served with. */
class PageHeadersTest {
  @Test
  void thePolicy_connectsToItsOwnOriginAndTheGivenOnes_only() {
    PageHeaders h = PageHeaders.connectingTo(List.of("http://127.0.0.1:7400/mount?x=1",
        "https://user:secret@rpc.example.org/v2/key", "http://[::1]:9000", "HTTP://Agg.Example:80/", "http://127.0.0.1:7400"));
    assertThat(h.connectOrigins()).containsExactly("http://127.0.0.1:7400", "https://rpc.example.org",
        "http://[::1]:9000", "http://agg.example:80");
    String csp = h.contentSecurityPolicy();
    assertThat(csp).isEqualTo("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'"
        + " http://127.0.0.1:7400 https://rpc.example.org http://[::1]:9000 http://agg.example:80; img-src 'self';"
        + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    assertThat(csp).doesNotContain("secret").doesNotContain("blob:");
  }

  @Test
  void showingBlobs_letsDecryptedContentIn_fromBlobUrlsOnly() {
    String csp = PageHeaders.connectingTo(List.of()).showingBlobs().contentSecurityPolicy();
    assertThat(csp).contains("connect-src 'self';").contains("img-src 'self' blob:;").contains("media-src 'self' blob:;")
        .contains("frame-src 'self' blob:;").contains("frame-ancestors 'none'").doesNotContain("unsafe")
        .doesNotContain("*");
  }

  @Test
  void whatIsNotAnHttpUrl_isLeftOut_neverWidensThePolicy() {
    PageHeaders h = PageHeaders.connectingTo(java.util.Arrays.asList("*", "javascript:alert(1)", "", null,
        "data:text/html,x", "file:///etc/passwd", "http://", "not a url", "ws://127.0.0.1:1"));
    assertThat(h.connectOrigins()).isEmpty();
    assertThat(h.contentSecurityPolicy()).contains("connect-src 'self';");
  }

  @Test
  void apply_setsEveryHeader() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    PageHeaders.connectingTo(List.of("http://127.0.0.1:1")).apply(headers);
    assertThat(headers.get("Content-Security-Policy")).contains("connect-src 'self' http://127.0.0.1:1;");
    assertThat(headers.get("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(headers.get("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(headers.get("Cross-Origin-Opener-Policy")).isEqualTo("same-origin");
    assertThat(headers.get("Cache-Control")).isEqualTo("no-cache");
  }
}
