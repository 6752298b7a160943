package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.common.config.ConfigException;
import io.cachet.common.http.ApiError;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A key server's cors-origins: read like its other keys, and what a page's browser sees on its two routes. */
class KeyServerCorsTest extends KeyServerTestBase {
  private static final String PAGE = "http://127.0.0.1:7700";

  private static RawHttp.Answer preflight(KeyServer ks, String path, String origin, String method) throws Exception {
    return RawHttp.exchange(ks.port(), "OPTIONS", path, "Origin: " + origin,
        "Access-Control-Request-Method: " + method, "Access-Control-Request-Headers: content-type");
  }

  private static String reason(RawHttp.Answer a) {
    return ApiError.parse(a.body(), a.status()).orElseThrow().reason();
  }

  @Test
  void corsOrigins_isReadRenderedAndRefusedLikeEveryKey() {
    KeyServerConfig c = config("ks-1").with("cors-origins", "http://127.0.0.1:7700, https://app.example.org:443");
    assertThat(c.cors().origins()).containsExactly(PAGE, "https://app.example.org");
    assertThat(c.render()).contains("cors-origins = http://127.0.0.1:7700,https://app.example.org\n");
    assertThat(KeyServerConfig.parse(c.render(), "printed").cors()).isEqualTo(c.cors());
    assertThat(config("ks-1").cors().enabled()).isFalse();
    assertThat(config("ks-1").render()).contains("cors-origins =\n");
    for (String bad : List.of("*", "null", "http://127.0.0.1:7700/", "127.0.0.1:7700")) {
      assertThatThrownBy(() -> KeyServerConfig.load(null, java.util.Map.of(), List.of("server-id=ks-1",
          "data-dir=/tmp/ks", "ledger-url=http://127.0.0.1:1", "ledger-id=l", "sequencer-key="
              + config("ks-1").sequencerKey(), "cors-origins=" + bad)))
          .as(bad).isInstanceOf(ConfigException.class).hasMessageStartingWith("cors-origins ")
          .hasMessageContaining("cors-origins (from --set cors-origins) ");
    }
  }

  @Test
  void aPageOfAnAllowedOrigin_mayAskForTheDescriptorAndFetch_andReadTheRefusals() throws Exception {
    KeyServer ks = start(config("ks-1").with("cors-origins", PAGE));

    RawHttp.Answer fetch = preflight(ks, "/v1/fetch_key", PAGE, "POST");
    assertThat(fetch.status()).isEqualTo(204);
    assertThat(fetch.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
    assertThat(fetch.header("Access-Control-Allow-Methods")).isEqualTo("POST");
    assertThat(fetch.header("Access-Control-Allow-Headers")).isEqualTo("Content-Type");
    assertThat(fetch.header("Access-Control-Max-Age")).isEqualTo("600");

    RawHttp.Answer service = RawHttp.exchange(ks.port(), "GET", "/v1/service", "Origin: " + PAGE);
    assertThat(service.status()).isEqualTo(200);
    assertThat(service.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);

    RawHttp.Answer malformed = RawHttp.exchange(ks.port(), "POST", "/v1/fetch_key", List.of("Origin: " + PAGE,
        "Content-Type: application/json"), "{not json".getBytes(StandardCharsets.UTF_8));
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
    assertThat(malformed.header("Access-Control-Expose-Headers")).isEqualTo("Retry-After");
  }

  @Test
  void otherOrigins_otherRoutesAndOtherMethods_areRefused() throws Exception {
    KeyServer ks = start(config("ks-1").with("cors-origins", PAGE));
    assertThat(reason(preflight(ks, "/v1/fetch_key", "http://127.0.0.1:7701", "POST")))
        .isEqualTo(CorsPolicy.ORIGIN_REFUSED);
    assertThat(reason(preflight(ks, "/v1/fetch_key", PAGE, "DELETE"))).isEqualTo(CorsPolicy.REQUEST_REFUSED);
    assertThat(reason(preflight(ks, "/v1/service", PAGE, "GET"))).isEqualTo(CorsPolicy.REQUEST_REFUSED);
    RawHttp.Answer metrics = preflight(ks, "/metrics", PAGE, "GET");
    assertThat(metrics.status()).isNotEqualTo(204);
    assertThat(metrics.hasCorsHeaders()).isFalse();
    RawHttp.Answer stranger = RawHttp.exchange(ks.port(), "GET", "/v1/service", "Origin: https://evil.example");
    assertThat(stranger.status()).isEqualTo(200);
    assertThat(stranger.hasCorsHeaders()).isFalse();
  }

  @Test
  void byDefault_corsIsOff_andAPreflightIsToldWhichKeyToSet() throws Exception {
    KeyServer ks = start("ks-1");
    RawHttp.Answer a = preflight(ks, "/v1/fetch_key", PAGE, "POST");
    assertThat(a.status()).isEqualTo(403);
    assertThat(reason(a)).isEqualTo(CorsPolicy.ORIGIN_REFUSED);
    assertThat(a.body()).contains("cors-origins is empty");
    assertThat(RawHttp.exchange(ks.port(), "GET", "/v1/service", "Origin: " + PAGE).hasCorsHeaders()).isFalse();
  }
}
