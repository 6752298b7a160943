package io.cachet.storage.walrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WalrusConfigTest {
  private static final String TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.signature";

  @Test
  void of_usesTheDocumentedDefaults() {
    WalrusConfig c = WalrusConfig.of("https://publisher.example.com/", "https://aggregator.example.com");

    assertThat(c.publisher()).hasToString("https://publisher.example.com");
    assertThat(c.aggregator()).hasToString("https://aggregator.example.com");
    assertThat(c.hasBearerToken()).isFalse();
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.requestTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.retry()).isEqualTo(new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(8), 0.2,
        Duration.ofSeconds(30), Duration.ofMinutes(2), 4));
  }

  @Test
  void toString_neverPrintsTheToken() {
    WalrusConfig c = WalrusConfig.builder().publisher("https://p.example").aggregator("https://a.example")
        .bearerToken(TOKEN).build();

    assertThat(c.hasBearerToken()).isTrue();
    assertThat(c.toString()).doesNotContain(TOKEN).doesNotContain("c2VjcmV0").contains("<redacted>");
    assertThat(c.toBuilder().build().bearerToken()).contains(TOKEN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://p.example", "p.example", "https:///nohost", "https://p.example/?x=1",
      "https://p.example/#f", "https://p.example/a b"})
  void badUrls_areRefused(String url) {
    assertThatThrownBy(() -> WalrusConfig.builder().publisher(url)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void userInfoInAUrl_isRefusedWithoutEchoingIt() {
    assertThatThrownBy(() -> WalrusConfig.builder().aggregator("https://alice:hunter2@a.example"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("hunter2");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "two words", "line\nbreak", "tab\there"})
  void badTokens_areRefusedWithoutEchoingThem(String token) {
    assertThatThrownBy(() -> WalrusConfig.builder().bearerToken(token))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(token.isEmpty() || !e.getMessage().contains(token)).isTrue());
  }

  @Test
  void missingUrlsOrBadTimeouts_failAtBuild() {
    assertThatThrownBy(() -> WalrusConfig.builder().publisher("http://p").build())
        .hasMessageContaining("aggregator");
    assertThatThrownBy(() -> WalrusConfig.builder().publisher("http://p").aggregator("http://a")
        .requestTimeout(Duration.ZERO).build()).hasMessageContaining("requestTimeout");
  }

  @Test
  void retryPolicy_backoffDoublesUpToTheCap() {
    RetryPolicy p = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(700))
        .jitter(0).build();

    assertThat(p.backoff(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(p.backoff(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(p.backoff(3)).isEqualTo(Duration.ofMillis(400));
    assertThat(p.backoff(4)).isEqualTo(Duration.ofMillis(700));
    assertThat(p.backoff(1000)).isEqualTo(Duration.ofMillis(700));
  }

  @Test
  void retryPolicy_jitterOnlyShortensTheWait() {
    RetryPolicy p = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100)).jitter(0.5).build();

    for (int i = 0; i < 200; i++) {
      assertThat(p.backoff(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    }
  }

  @Test
  void retryPolicy_refusesNonsense() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0).build()).hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5).build()).hasMessageContaining("jitter");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(Double.NaN).build()).hasMessageContaining("jitter");
    assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofSeconds(9)).build())
        .hasMessageContaining("maxBackoff");
    assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
  }
}
