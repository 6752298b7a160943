package io.cachet.storage.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.ApiError;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.RawHttp;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregator as a page of an allowed origin reads it from a browser: a preflight for a ranged
 * read, the ranged read itself and its headers readable, HEAD; and what stays closed: uploads,
 * other origins.
 */
class GatewayCorsTest {
  private static final String PAGE = "http://127.0.0.1:7700";
  private static final byte[] DATA = "a blob a page reads by ranges".getBytes(StandardCharsets.UTF_8);

  @TempDir Path root;
  private Vertx vertx;
  private LocalNetwork net;
  private int port;
  private BlobId blob;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    net = LocalNetwork.start(vertx, root, LocalNetwork.Options.defaults().withNodes(4, 4096).withIntervals(0, 0)
        .withCors(CorsPolicy.parse(PAGE))).await(120, TimeUnit.SECONDS);
    port = URI.create(net.gatewayUrl()).getPort();
    try (WalrusBlobStore store = new WalrusBlobStore(WalrusConfig.builder().publisher(net.gatewayUrl())
        .aggregator(net.gatewayUrl()).build())) {
      blob = store.store(BlobSource.ofBytes(DATA), StoreOptions.epochs(2)).blobId();
    }
  }

  @AfterEach
  void stop() throws Exception {
    net.close().await(60, TimeUnit.SECONDS);
    vertx.close().await(60, TimeUnit.SECONDS);
  }

  private RawHttp.Answer preflight(String path, String origin, String method, String headers) throws Exception {
    return RawHttp.exchange(port, "OPTIONS", path, "Origin: " + origin, "Access-Control-Request-Method: " + method,
        "Access-Control-Request-Headers: " + headers);
  }

  @Test
  void aPageOfTheAllowedOrigin_readsARange_andItsHeaders() throws Exception {
    RawHttp.Answer pre = preflight("/v1/blobs/" + blob, PAGE, "GET", "range");
    assertThat(pre.status()).isEqualTo(204);
    assertThat(pre.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
    assertThat(pre.header("Access-Control-Allow-Methods")).isEqualTo("GET, HEAD");
    assertThat(pre.header("Access-Control-Allow-Headers")).isEqualTo("Range");

    RawHttp.Answer read = RawHttp.exchange(port, "GET", "/v1/blobs/" + blob, "Origin: " + PAGE, "Range: bytes=2-5");
    assertThat(read.status()).isEqualTo(206);
    assertThat(read.body()).isEqualTo("blob");
    assertThat(read.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
    assertThat(read.header("Access-Control-Expose-Headers"))
        .isEqualTo("Content-Range, Content-Length, Accept-Ranges, ETag, Retry-After");
    assertThat(read.header("Content-Range")).isEqualTo("bytes 2-5/" + DATA.length);
    assertThat(read.header("Access-Control-Allow-Credentials")).isNull();
  }

  @Test
  void head_answersTheHeadersOfTheSameGet_withoutABody() throws Exception {
    RawHttp.Answer whole = RawHttp.exchange(port, "HEAD", "/v1/blobs/" + blob, "Origin: " + PAGE);
    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.header("Content-Length")).isEqualTo(Integer.toString(DATA.length));
    assertThat(whole.header("ETag")).isEqualTo("\"" + blob + "\"");
    assertThat(whole.header("Accept-Ranges")).isEqualTo("bytes");
    assertThat(whole.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
    RawHttp.Answer part = RawHttp.exchange(port, "HEAD", "/v1/blobs/" + blob, "Range: bytes=0-3");
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.header("Content-Range")).isEqualTo("bytes 0-3/" + DATA.length);
    assertThat(part.header("Content-Length")).isEqualTo("4");
    assertThat(RawHttp.exchange(port, "HEAD", "/v1/blobs/" + blob, "Range: bytes=400-500").status()).isEqualTo(416);
  }

  @Test
  void uploads_otherMethods_andOtherOrigins_stayClosed() throws Exception {
    RawHttp.Answer upload = preflight("/v1/blobs?epochs=1", PAGE, "PUT", "content-type");
    assertThat(upload.status()).isNotEqualTo(204);
    assertThat(upload.hasCorsHeaders()).isFalse();
    RawHttp.Answer put = preflight("/v1/blobs/" + blob, PAGE, "PUT", "range");
    assertThat(ApiError.parse(put.body(), put.status()).orElseThrow().reason()).isEqualTo(CorsPolicy.REQUEST_REFUSED);
    RawHttp.Answer other = preflight("/v1/blobs/" + blob, "http://127.0.0.1:7701", "GET", "range");
    assertThat(other.status()).isEqualTo(403);
    assertThat(ApiError.parse(other.body(), 403).orElseThrow().reason()).isEqualTo(CorsPolicy.ORIGIN_REFUSED);
    RawHttp.Answer read = RawHttp.exchange(port, "GET", "/v1/blobs/" + blob, "Origin: https://evil.example");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.hasCorsHeaders()).isFalse();
  }
}
