package io.cachet.storage.gateway;

import static io.cachet.storage.gateway.ReadConformance.assertError;
import static io.cachet.storage.gateway.ReadConformance.assertHeadMatches;
import static io.cachet.storage.gateway.ReadConformance.assertReadHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.RawHttp;
import io.cachet.storage.BlobId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET} and {@code POST /v1alpha/blobs/concat} against Walrus's specification, in raw HTTP
 * on a running gateway: the blobs in the order asked, {@code Content-Length} their sum, Walrus's
 * ETag; every id checked before a byte goes out; the body's fields as strict as Walrus's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcatConformanceTest {
  private static final String A = "first blob, a short one. ";
  private static final String B = "second blob, long enough to cross stripes: " + "0123456789".repeat(150);
  private static final String C = "third.";
  private static final String CONCAT = "/v1alpha/blobs/concat";

  @TempDir static Path root;
  private ReadConformance gw;
  private BlobId a;
  private BlobId b;
  private BlobId c;

  @BeforeAll
  void start() throws Exception {
    gw = ReadConformance.start(root);
    a = gw.store(A.getBytes(StandardCharsets.US_ASCII));
    b = gw.store(B.getBytes(StandardCharsets.US_ASCII));
    c = gw.store(C.getBytes(StandardCharsets.US_ASCII));
  }

  @AfterAll
  void stop() throws Exception {
    gw.close();
  }

  /** Walrus's concatenation ETag, from its documentation: base64url (no padding) of SHA-256 over "id,id,...". */
  private static String walrusEtag(String... ids) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.join(",", ids).getBytes(StandardCharsets.UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }

  private RawHttp.Answer post(String json) throws Exception {
    return RawHttp.exchange(gw.port, "POST", CONCAT, List.of("Content-Type: application/json"),
        json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void get_streamsTheBlobsInOrder_withTheirTotalLength() throws Exception {
    RawHttp.Answer get = gw.exchange("GET", CONCAT + "?ids=" + b + "," + a + "," + c + "," + a);
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(B + A + C + A);
    assertThat(get.header("Content-Type")).isEqualTo("application/octet-stream");
    assertReadHeaders(get, walrusEtag(b.toString(), a.toString(), c.toString(), a.toString()),
        B.length() + 2L * A.length() + C.length());
    assertHeadMatches(gw.exchange("HEAD", CONCAT + "?ids=" + b + "," + a + "," + c + "," + a), get);
  }

  @Test
  void get_dropsBlankItems_asWalrusDoes() throws Exception {
    RawHttp.Answer get = gw.exchange("GET", CONCAT + "?ids=," + a + ",,%20" + c + ",");
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(A + C);
    assertThat(get.header("ETag")).isEqualTo("\"" + walrusEtag(a.toString(), c.toString()) + "\"");
  }

  @Test
  void post_takesTheIdsInABody_andTheFlags() throws Exception {
    RawHttp.Answer post = post(new JsonObject().put("ids", new JsonArray().add(c.toString()).add(b.toString()))
        .put("strict_consistency_check", true).putNull("skip_consistency_check").encode());
    assertThat(post.status()).isEqualTo(200);
    assertThat(post.body()).isEqualTo(C + B);
    assertReadHeaders(post, walrusEtag(c.toString(), b.toString()), C.length() + B.length());
  }

  @Test
  void aMissingBlob_is404NamingIt_beforeAnyByte() throws Exception {
    BlobId missing = AggregatorConformanceTest.unknownBlob();
    RawHttp.Answer get = gw.exchange("GET", CONCAT + "?ids=" + a + "," + missing + "," + c);
    assertThat(assertError(get, 404, "BLOB_NOT_FOUND")).contains(missing.toString());
    assertThat(get.body()).doesNotContain(A);
    assertError(post("{\"ids\":[\"" + a + "\",\"" + missing + "\"]}"), 404, "BLOB_NOT_FOUND");
  }

  @Test
  void objectIds_are404_malformedIds_400() throws Exception {
    String object = "0x56ae1c86e17db174ea002f8340e28880bc8a8587c56e8604a4fa6b1170b23a60";
    assertThat(assertError(gw.exchange("GET", CONCAT + "?ids=" + a + "," + object), 404,
        "OBJECT_ID_RESOLUTION_FAILED")).contains("no Sui objects");
    assertError(gw.exchange("GET", CONCAT + "?ids=" + a + ",not-an-id"), 400, "INVALID_ID_FORMAT");
    assertError(post("{\"ids\":[\"0x2\"]}"), 404, "OBJECT_ID_RESOLUTION_FAILED");
  }

  @Test
  void bothConsistencyFlags_are400_onGetAndPost() throws Exception {
    assertError(gw.exchange("GET", CONCAT + "?ids=" + a + "&strict_consistency_check=true&skip_consistency_check=true"),
        400, ConsistencyFlags.INVALID);
    assertError(post("{\"ids\":[\"" + a + "\"],\"strict_consistency_check\":true,\"skip_consistency_check\":true}"),
        400, ConsistencyFlags.INVALID);
    assertThat(gw.exchange("GET", CONCAT + "?ids=" + a + "&skip_consistency_check=true").status()).isEqualTo(200);
  }

  @Test
  void badBodies_andBadQueries_are400() throws Exception {
    for (String body : new String[] {"", "not json", "[]", "{}", "{\"ids\":\"" + a + "\"}", "{\"ids\":[1]}",
        "{\"ids\":[\"" + a + "\"],\"extra\":1}", "{\"ids\":[\"" + a + "\"],\"strict_consistency_check\":\"yes\"}",
        "{\"ids\":[]}"}) {
      assertError(post(body), 400, "INVALID_ARGUMENT");
    }
    assertError(gw.exchange("GET", CONCAT), 400, "INVALID_ARGUMENT");
    assertError(gw.exchange("GET", CONCAT + "?ids="), 400, "INVALID_ARGUMENT");
    assertError(gw.exchange("GET", CONCAT + "?ids=" + a + "&ids=" + c), 400, "INVALID_ARGUMENT");
  }

  @Test
  void atMostMaxIds_more400() throws Exception {
    List<String> ids = new ArrayList<>(Collections.nCopies(BlobConcat.MAX_IDS, c.toString()));
    RawHttp.Answer most = post(new JsonObject().put("ids", new JsonArray(ids)).encode());
    assertThat(most.status()).isEqualTo(200);
    assertThat(most.body()).isEqualTo(C.repeat(BlobConcat.MAX_IDS));
    ids.add(c.toString());
    assertThat(assertError(post(new JsonObject().put("ids", new JsonArray(ids)).encode()), 400, "INVALID_ARGUMENT"))
        .contains("at most " + BlobConcat.MAX_IDS);
  }

  @Test
  void aConcatenation_takesOneDownloadSlot_forItsWholeAnswer() throws Exception {
    // 80 ids of a 256 KiB blob: 20 MiB, more than every socket buffer between a reader that reads nothing and us
    byte[] big = new byte[256 << 10];
    java.util.Arrays.fill(big, (byte) 'z');
    BlobId bigId = gw.store(big);
    String path = CONCAT + "?ids=" + String.join(",", Collections.nCopies(80, bigId.toString()));
    Gateway g = new Gateway(gw.net.gatewayConfig().withDownloadLimits(2, 2, GatewayConfig.DEFAULT_READ_AHEAD_BUDGET_BYTES),
        CertificateSink.NONE);
    gw.vertx.deployVerticle(g).await(60, TimeUnit.SECONDS);
    try (Socket first = slowReader(g.actualPort(), path)) {
      assertThat(statusLine(first)).contains("200");
      // one slot left: a read goes through, so the stalled concatenation holds one slot, not one per blob
      assertThat(RawHttp.exchange(g.actualPort(), "GET", "/v1/blobs/" + a).body()).isEqualTo(A);
      try (Socket second = slowReader(g.actualPort(), path)) {
        assertThat(statusLine(second)).contains("200");
        RawHttp.Answer refused = RawHttp.exchange(g.actualPort(), "GET", "/v1/blobs/" + a);
        assertError(refused, 503, "TOO_MANY_DOWNLOADS");
        assertThat(refused.header("Retry-After")).isEqualTo("1");
      }
    } finally {
      gw.vertx.undeploy(g.deploymentID()).await(60, TimeUnit.SECONDS);
    }
  }

  /** A reader that asks for {@code path} and then reads nothing: its answer stays open. */
  private static Socket slowReader(int port, String path) throws Exception {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    s.setSoTimeout(60_000);
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  private static String statusLine(Socket s) throws Exception {
    InputStream in = s.getInputStream();
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
      line.append((char) c);
    }
    return line.toString().trim();
  }

  @Test
  void aBodyPastTheLimit_is413() throws Exception {
    String huge = "{\"ids\":[\"" + "x".repeat(BlobConcat.MAX_BODY_BYTES) + "\"]}";
    assertError(post(huge), 413, "TOO_LARGE");
  }
}
