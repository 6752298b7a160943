package io.cachet.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class EndpointsTest {
  @Test
  void where_aUrlWithAKeyInItsPath_isHostAndPortOnly() {
    assertThat(Endpoints.where(URI.create("https://rpc.example.com/v2/KEY?x=1"))).isEqualTo("rpc.example.com:443");
    assertThat(Endpoints.where("http://127.0.0.1:8545/KEY")).isEqualTo("127.0.0.1:8545");
    assertThat(Endpoints.where("not a url")).isEqualTo("?");
  }

  @Test
  void redact_aVertxTimeoutAndAUrl_keepsNeitherPathNorQuery() {
    String vertx = "The timeout period of 200ms has been exceeded while executing GET /KEY/v1/head for server "
        + "127.0.0.1:8080";
    assertThat(Endpoints.redact(vertx)).doesNotContain("KEY").contains("127.0.0.1:8080");
    assertThat(Endpoints.redact("failed: https://h.example:8443/KEY?token=T, retry"))
        .isEqualTo("failed: h.example:8443, retry");
    assertThat(Endpoints.redact(null)).isNull();
  }

  @Test
  void under_aBaseWithAPathOrQuery_keepsThem() {
    assertThat(Endpoints.under(URI.create("http://h:1"), "/health")).hasToString("http://h:1/health");
    assertThat(Endpoints.under(URI.create("http://h:1/"), "/health")).hasToString("http://h:1/health");
    assertThat(Endpoints.under(URI.create("https://gw.example/ks-2/"), "/v1/fetch_key"))
        .hasToString("https://gw.example/ks-2/v1/fetch_key");
    assertThat(Endpoints.under(URI.create("http://h:1/p?key=K"), "/v1/blocks?from=0"))
        .hasToString("http://h:1/p/v1/blocks?key=K&from=0");
  }
}
