package io.cachet.storage.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.CorsPolicy;
import io.cachet.common.http.RawHttp;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A running local network (4 nodes, small shards so that blobs span several stripes) for the
 * aggregator's conformance tests, the blob store that fills it, and the assertions on Walrus's
 * shapes those tests share. Every test talks to the gateway in raw HTTP ({@link RawHttp}).
 */
final class ReadConformance implements AutoCloseable {
  /** The origin whose pages may read, for the CORS cases. */
  static final String PAGE = "http://127.0.0.1:7700";
  /** Walrus's cache headers on every successful read. */
  static final String CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=3600";

  final Vertx vertx;
  final LocalNetwork net;
  final int port;
  private final WalrusBlobStore store;

  private ReadConformance(Vertx vertx, LocalNetwork net) {
    this.vertx = vertx;
    this.net = net;
    this.port = URI.create(net.gatewayUrl()).getPort();
    this.store = new WalrusBlobStore(WalrusConfig.builder().publisher(net.gatewayUrl())
        .aggregator(net.gatewayUrl()).build());
  }

  static ReadConformance start(Path root) throws Exception {
    Vertx vertx = Vertx.vertx();
    // 256-byte shards, k of 4 data: a stripe holds a few hundred bytes, so reads cross stripes
    LocalNetwork net = LocalNetwork.start(vertx, root, LocalNetwork.Options.defaults().withNodes(4, 256)
        .withIntervals(0, 0).withCors(CorsPolicy.parse(PAGE))).await(120, TimeUnit.SECONDS);
    return new ReadConformance(vertx, net);
  }

  BlobId store(byte[] bytes) throws Exception {
    return store.store(BlobSource.ofBytes(bytes), StoreOptions.epochs(2)).blobId();
  }

  RawHttp.Answer exchange(String method, String path, String... headers) throws Exception {
    return RawHttp.exchange(port, method, path, headers);
  }

  @Override
  public void close() throws Exception {
    store.close();
    net.close().await(60, TimeUnit.SECONDS);
    vertx.close().await(60, TimeUnit.SECONDS);
  }

  /**
   * Asserts Walrus's error shape, field by field with its JSON types: {@code {"error":{"code":int,
   * "status":string,"message":string,"details":[{"@type":string,"reason":string,...}]}}}, and
   * returns the message.
   */
  static String assertError(RawHttp.Answer answer, int status, String reason) {
    assertThat(answer.status()).as("status of %s", answer.body()).isEqualTo(status);
    assertThat(answer.header("content-type")).isEqualTo("application/json");
    JsonObject error = new JsonObject(answer.body()).getJsonObject("error");
    assertThat(error.getValue("code")).isInstanceOf(Integer.class).isEqualTo(status);
    assertThat(error.getValue("status")).isInstanceOf(String.class);
    assertThat(error.getValue("message")).isInstanceOf(String.class);
    JsonArray details = error.getJsonArray("details");
    assertThat(details).hasSize(1);
    JsonObject info = details.getJsonObject(0);
    // Walrus writes "ErrorInfo"; Cachet's one error shape writes the full type URL ending in it
    assertThat(info.getString("@type")).endsWith("ErrorInfo");
    assertThat(info.getValue("reason")).isEqualTo(reason);
    // an error is not cached for a day as a blob is
    assertThat(answer.header("Cache-Control")).isNull();
    return error.getString("message");
  }

  /** Asserts the headers Walrus puts on every successful read, with this ETag and length. */
  static void assertReadHeaders(RawHttp.Answer answer, String etag, long length) {
    assertThat(answer.header("ETag")).isEqualTo("\"" + etag + "\"");
    assertThat(answer.header("Content-Length")).isEqualTo(Long.toString(length));
    assertThat(answer.header("Cache-Control")).isEqualTo(CACHE_CONTROL);
    assertThat(answer.header("X-Content-Type-Options")).isEqualTo("nosniff");
  }

  /** Asserts HEAD answers what GET answers, headers and all, without a body. */
  static void assertHeadMatches(RawHttp.Answer head, RawHttp.Answer get) {
    assertThat(head.status()).isEqualTo(get.status());
    assertThat(head.body()).isEmpty();
    for (String name : new String[] {"Content-Length", "Content-Type", "ETag", "Cache-Control", "Content-Range",
        "X-Content-Type-Options", "Accept-Ranges", QuiltReads.IDENTIFIER_HEADER, "Content-Disposition"}) {
      assertThat(head.header(name)).as(name).isEqualTo(get.header(name));
    }
  }
}
