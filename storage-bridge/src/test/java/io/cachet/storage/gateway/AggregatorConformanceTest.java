package io.cachet.storage.gateway;

import static io.cachet.storage.gateway.ReadConformance.assertError;
import static io.cachet.storage.gateway.ReadConformance.assertHeadMatches;
import static io.cachet.storage.gateway.ReadConformance.assertReadHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.RawHttp;
import io.cachet.storage.BlobId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregator's blob routes against Walrus's specification, in raw HTTP on a running gateway:
 * HEAD on every read route, the byte-range route's validation, the consistency flags, reads by
 * object id. Each case asserts the status, the headers Walrus names and the body's fields with
 * their JSON types.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AggregatorConformanceTest {
  /** Several stripes long (a stripe holds a few hundred bytes here), in text so the raw answers compare as strings. */
  private static final String TEXT = "0123456789abcdefghijklmnopqrstuvwxyz".repeat(100);
  private static final String OBJECT_ID = "0x56ae1c86e17db174ea002f8340e28880bc8a8587c56e8604a4fa6b1170b23a60";

  @TempDir static Path root;
  private ReadConformance gw;
  private BlobId blob;

  @BeforeAll
  void start() throws Exception {
    gw = ReadConformance.start(root);
    blob = gw.store(TEXT.getBytes(StandardCharsets.US_ASCII));
  }

  @AfterAll
  void stop() throws Exception {
    gw.close();
  }

  private String path() {
    return "/v1/blobs/" + blob;
  }

  // ---------------------------------------------------------------- HEAD

  @Test
  void head_onTheBlob_answersTheGetsHeaders_withoutABody() throws Exception {
    RawHttp.Answer get = gw.exchange("GET", path());
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(TEXT);
    assertReadHeaders(get, blob.toString(), TEXT.length());
    assertThat(get.header("Content-Type")).isEqualTo("application/octet-stream");
    assertHeadMatches(gw.exchange("HEAD", path()), get);
  }

  @Test
  void head_withARange_answersThePartialGetsHeaders() throws Exception {
    RawHttp.Answer get = gw.exchange("GET", path(), "Range: bytes=1000-2099");
    assertThat(get.status()).isEqualTo(206);
    assertThat(get.body()).isEqualTo(TEXT.substring(1000, 2100));
    assertThat(get.header("Content-Range")).isEqualTo("bytes 1000-2099/" + TEXT.length());
    assertReadHeaders(get, blob.toString(), 1100);
    assertHeadMatches(gw.exchange("HEAD", path(), "Range: bytes=1000-2099"), get);
    // a Range header outside the blob stays 416, on GET and on HEAD
    RawHttp.Answer outside = gw.exchange("GET", path(), "Range: bytes=9000-9100");
    assertError(outside, 416, "INVALID_BYTE_RANGE");
    assertThat(outside.header("Content-Range")).isEqualTo("bytes */" + TEXT.length());
    assertThat(gw.exchange("HEAD", path(), "Range: bytes=9000-9100").status()).isEqualTo(416);
  }

  @Test
  void head_onTheByteRangeRoute_answersTheGetsHeaders() throws Exception {
    String range = path() + "/byte-range?start=500&length=1500";
    RawHttp.Answer get = gw.exchange("GET", range);
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(TEXT.substring(500, 2000));
    // Walrus names the range in the ETag: the answer is that slice, cacheable as a whole
    assertReadHeaders(get, blob + "-500-1500", 1500);
    assertThat(get.header("Content-Range")).isNull();
    assertHeadMatches(gw.exchange("HEAD", range), get);
  }

  @Test
  void head_onErrors_answersTheGetsStatus() throws Exception {
    assertThat(gw.exchange("HEAD", "/v1/blobs/by-object-id/" + OBJECT_ID).status()).isEqualTo(404);
    assertThat(gw.exchange("HEAD", "/v1/blobs/by-object-id/nothex").status()).isEqualTo(400);
    assertThat(gw.exchange("HEAD", path() + "/byte-range?start=0&length=0").status()).isEqualTo(400);
    assertThat(gw.exchange("HEAD", "/v1/blobs/" + unknownBlob()).status()).isEqualTo(404);
    assertThat(gw.exchange("HEAD", path() + "?strict_consistency_check=true&skip_consistency_check=true").status())
        .isEqualTo(400);
  }

  // ---------------------------------------------------------------- byte-range

  @Test
  void byteRange_outsideTheBlob_is400InvalidByteRange() throws Exception {
    int size = TEXT.length();
    for (String query : new String[] {"start=" + size + "&length=1", "start=0&length=" + (size + 1),
        "start=" + (size - 10) + "&length=11", "start=9223372036854775807&length=1",
        "start=9223372036854775808&length=1", "start=1&length=18446744073709551615"}) {
      String message = assertError(gw.exchange("GET", path() + "/byte-range?" + query), 400, "INVALID_BYTE_RANGE");
      assertThat(message).as(query).containsAnyOf("not inside the " + size + "-byte blob", "overflows");
    }
    // the last byte alone is inside
    RawHttp.Answer last = gw.exchange("GET", path() + "/byte-range?start=" + (size - 1) + "&length=1");
    assertThat(last.status()).isEqualTo(200);
    assertThat(last.body()).isEqualTo(TEXT.substring(size - 1));
  }

  @Test
  void byteRange_lengthZero_orOverflow_is400InvalidByteRange_beforeAnyLookup() throws Exception {
    assertThat(assertError(gw.exchange("GET", path() + "/byte-range?start=0&length=0"), 400, "INVALID_BYTE_RANGE"))
        .contains("length must be greater than 0");
    assertThat(assertError(gw.exchange("GET", path() + "/byte-range?start=18446744073709551615&length=1"), 400,
        "INVALID_BYTE_RANGE")).contains("overflows");
    // checked before the blob is looked up: an unknown blob with a bad range is still the range's 400
    assertError(gw.exchange("GET", "/v1/blobs/" + unknownBlob() + "/byte-range?start=0&length=0"), 400,
        "INVALID_BYTE_RANGE");
  }

  @Test
  void byteRange_malformedParameters_are400InvalidArgument() throws Exception {
    for (String query : new String[] {"", "?start=0", "?length=4", "?start=-1&length=4", "?start=a&length=4",
        "?start=0&length=18446744073709551616"}) {
      assertError(gw.exchange("GET", path() + "/byte-range" + query), 400, "INVALID_ARGUMENT");
    }
    assertError(gw.exchange("GET", "/v1/blobs/" + unknownBlob() + "/byte-range?start=0&length=4"), 404,
        "BLOB_NOT_FOUND");
  }

  // ---------------------------------------------------------------- consistency flags

  @Test
  void consistencyFlags_bothTrue_are400_eachAloneIsRead() throws Exception {
    String message = assertError(gw.exchange("GET", path() + "?strict_consistency_check=true&skip_consistency_check"
        + "=true"), 400, ConsistencyFlags.INVALID);
    assertThat(message).contains("cannot set both strict and skip consistency check options");
    assertError(gw.exchange("GET", path() + "?strict_consistency_check=true&skip_consistency_check=true",
        "Range: bytes=0-3"), 400, ConsistencyFlags.INVALID);
    for (String query : new String[] {"?strict_consistency_check=true", "?skip_consistency_check=true",
        "?strict_consistency_check=false&skip_consistency_check=true",
        "?strict_consistency_check=true&skip_consistency_check=false"}) {
      RawHttp.Answer read = gw.exchange("GET", path() + query);
      assertThat(read.status()).as(query).isEqualTo(200);
      assertThat(read.body()).isEqualTo(TEXT);
    }
  }

  @Test
  void consistencyFlags_notABoolean_are400InvalidArgument() throws Exception {
    assertError(gw.exchange("GET", path() + "?strict_consistency_check=yes"), 400, "INVALID_ARGUMENT");
    assertError(gw.exchange("GET", path() + "?skip_consistency_check=1"), 400, "INVALID_ARGUMENT");
    assertError(gw.exchange("GET", path() + "?skip_consistency_check=true&skip_consistency_check=false"), 400,
        "INVALID_ARGUMENT");
  }

  // ---------------------------------------------------------------- by object id

  @Test
  void byObjectId_wellFormed_is404_sayingToReadByBlobId() throws Exception {
    for (String id : new String[] {OBJECT_ID, "0x2", OBJECT_ID.substring(2)}) {
      String message = assertError(gw.exchange("GET", "/v1/blobs/by-object-id/" + id), 404, "BLOB_NOT_FOUND");
      assertThat(message).contains("no Sui objects").contains("blob id");
    }
  }

  @Test
  void byObjectId_malformed_is400() throws Exception {
    for (String id : new String[] {"nothex", "0x", "0xzz", OBJECT_ID + "00", blob.toString()}) {
      assertThat(assertError(gw.exchange("GET", "/v1/blobs/by-object-id/" + id), 400, "INVALID_ARGUMENT"))
          .contains("not a Sui object id");
    }
  }

  // ---------------------------------------------------------------- ids

  @Test
  void malformedBlobId_is400_unknownIs404() throws Exception {
    assertError(gw.exchange("GET", "/v1/blobs/not-a-blob-id"), 400, "INVALID_ARGUMENT");
    assertError(gw.exchange("GET", "/v1/blobs/" + unknownBlob()), 404, "BLOB_NOT_FOUND");
  }

  /** A well-formed blob id no one stored. */
  static BlobId unknownBlob() {
    byte[] bytes = new byte[BlobId.LENGTH];
    bytes[0] = 7;
    return BlobId.of(bytes);
  }
}
