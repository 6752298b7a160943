package io.cachet.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiErrorTest {
  @Test
  void encode_thenParse_roundTrips() {
    ApiError e = ApiError.of(409, "BAD_NONCE", "nonce 3 expected, got 5");
    assertThat(ApiError.parse(e.encode(), 500)).contains(e);
  }

  @Test
  void parse_walrusShapeWithExtraFields_readsReason() {
    String body = "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\",\"message\":\"gone\",\"extra\":1,"
        + "\"details\":[{\"@type\":\"x\",\"reason\":\"BLOB_NOT_FOUND\",\"domain\":\"walrus\",\"metadata\":{}}]}}";
    assertThat(ApiError.parse(body, 404)).contains(new ApiError(404, "NOT_FOUND", "BLOB_NOT_FOUND", "gone"));
  }

  @Test
  void parse_missingFields_fallsBackToHttpStatus() {
    assertThat(ApiError.parse("{\"error\":{}}", 503)).contains(new ApiError(503, "UNAVAILABLE", "UNAVAILABLE", ""));
  }

  @Test
  void parse_notAnErrorBody_isEmpty() {
    assertThat(ApiError.parse("<html>bad gateway</html>", 502)).isEmpty();
    assertThat(ApiError.parse("[1,2]", 400)).isEmpty();
    assertThat(ApiError.parse("{\"error\":\"text\"}", 400)).isEmpty();
    assertThat(ApiError.parse("", 400)).isEmpty();
    assertThat(ApiError.parse("{\"error\":{\"message\":\"" + "x".repeat(ApiError.MAX_BODY_BYTES) + "\"}}", 400))
        .isEmpty();
  }
}
