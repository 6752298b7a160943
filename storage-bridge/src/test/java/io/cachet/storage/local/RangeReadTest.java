package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Range reads at the edges that matter to striping: shard boundaries inside a stripe (multiples
 * of S), stripe boundaries (multiples of 3S), the last partial stripe's odd shard length, the
 * first and last byte. Every range is read three ways: the Walrus client ({@code Range}), a raw
 * {@code Range} request (206 and its Content-Range checked) and {@code /byte-range}.
 */
class RangeReadTest {
  static final int SHARD = 4096;
  static final int STRIPE = 3 * SHARD;
  /** 10 full stripes, then 5000 bytes: last-stripe shards of ceil(5000 / 3) = 1667 bytes. */
  static final int LENGTH = 10 * STRIPE + 5000;
  static final int LAST_SHARD = 1667;

  @TempDir static Path root;
  static LocalNet net;
  static byte[] data;
  static BlobId id;
  static BlobId empty;

  @BeforeAll
  static void up() throws Exception {
    net = LocalNet.start(root, SHARD);
    data = LocalNet.random(LENGTH, 7);
    id = net.store(data, 5).blobId();
    empty = net.store(new byte[0], 5).blobId();
  }

  @AfterAll
  static void down() {
    net.close();
  }

  /** Ranges (offset, length) around every boundary. */
  static List<long[]> boundaryRanges() {
    Set<Long> points = new LinkedHashSet<>();
    for (long m = 0; m <= LENGTH; m += SHARD) {
      points.add(m); // shard boundaries; every third one is a stripe boundary
    }
    long lastStripe = 10L * STRIPE;
    for (int j = 0; j <= 3; j++) {
      points.add(Math.min(LENGTH, lastStripe + (long) j * LAST_SHARD));
    }
    points.add((long) LENGTH);
    Set<String> seen = new LinkedHashSet<>();
    List<long[]> out = new ArrayList<>();
    for (long p : points) {
      for (long start : new long[] {p - 2, p - 1, p, p + 1}) {
        for (long len : new long[] {1, 2, 3, SHARD - 1, SHARD, SHARD + 1, STRIPE, STRIPE + 1, 4L * STRIPE + 3}) {
          if (start >= 0 && start + len <= LENGTH && seen.add(start + ":" + len)) {
            out.add(new long[] {start, len});
          }
        }
      }
    }
    out.add(new long[] {0, LENGTH});
    out.add(new long[] {1, LENGTH - 1});
    out.add(new long[] {0, LENGTH - 1});
    out.add(new long[] {LENGTH - 1, 1});
    out.add(new long[] {STRIPE - 1, 9L * STRIPE + 2});
    return out;
  }

  private static byte[] expected(long start, long len) {
    return Arrays.copyOfRange(data, (int) start, (int) (start + len));
  }

  @Test
  void boundaryRangesReadExactlyThroughTheClient() throws Exception {
    List<long[]> ranges = boundaryRanges();
    assertThat(ranges.size()).isGreaterThan(300);
    for (long[] r : ranges) {
      assertThat(net.read(id, r[0], r[1])).as("range %s", Arrays.toString(r)).isEqualTo(expected(r[0], r[1]));
    }
  }

  @Test
  void boundaryRangesReadExactlyRaw() {
    // Every fourth range both ways raw: the client test above covers all of them.
    List<long[]> ranges = boundaryRanges();
    for (int i = 0; i < ranges.size(); i += 4) {
      long[] r = ranges.get(i);
      long last = r[0] + r[1] - 1;
      HttpResponse<byte[]> ranged = net.gatewayGet("/v1/blobs/" + id, "Range", "bytes=" + r[0] + "-" + last);
      assertThat(ranged.statusCode()).isEqualTo(206);
      assertThat(ranged.headers().firstValue("Content-Range")).contains("bytes " + r[0] + "-" + last + "/" + LENGTH);
      assertThat(ranged.body()).as("Range %s", Arrays.toString(r)).isEqualTo(expected(r[0], r[1]));
      HttpResponse<byte[]> br = net.gatewayGet("/v1/blobs/" + id + "/byte-range?start=" + r[0] + "&length=" + r[1]);
      assertThat(br.statusCode()).isEqualTo(200);
      assertThat(br.body()).as("byte-range %s", Arrays.toString(r)).isEqualTo(expected(r[0], r[1]));
    }
  }

  @Test
  void wholeBlobAndOpenOrClippedRanges() throws Exception {
    assertThat(net.read(id)).isEqualTo(data);
    HttpResponse<byte[]> whole = net.gatewayGet("/v1/blobs/" + id);
    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(whole.headers().firstValue("Content-Length")).contains(Integer.toString(LENGTH));
    assertThat(whole.headers().firstValue("ETag")).contains("\"" + id + "\"");
    assertThat(whole.body()).isEqualTo(data);
    // bytes=a- runs to the end; a last byte past the end is clipped to it (RFC 9110).
    HttpResponse<byte[]> open = net.gatewayGet("/v1/blobs/" + id, "Range", "bytes=" + (LENGTH - 5000) + "-");
    assertThat(open.statusCode()).isEqualTo(206);
    assertThat(open.headers().firstValue("Content-Range"))
        .contains("bytes " + (LENGTH - 5000) + "-" + (LENGTH - 1) + "/" + LENGTH);
    assertThat(open.body()).isEqualTo(expected(LENGTH - 5000, 5000));
    HttpResponse<byte[]> clipped = net.gatewayGet("/v1/blobs/" + id, "Range", "bytes=7-99999999999");
    assertThat(clipped.statusCode()).isEqualTo(206);
    assertThat(clipped.body()).isEqualTo(expected(7, LENGTH - 7));
    // The client asked for bytes past the end: it says so instead of returning fewer bytes.
    StorageException past = catchThrowableOfType(() -> net.read(id, LENGTH - 10, 11), StorageException.class);
    assertThat(past.reason()).isEqualTo(StorageException.Reason.INVALID_BYTE_RANGE);
    // The empty blob reads as empty; a length-0 range needs no request.
    assertThat(net.read(empty)).isEmpty();
    assertThat(net.read(id, 5, 0)).isEmpty();
  }

  @Test
  void invalidRangesAre416() {
    String path = "/v1/blobs/" + id;
    for (String range : List.of("bytes=" + LENGTH + "-" + (LENGTH + 5), "bytes=" + LENGTH + "-", "bytes=5-3",
        "bytes=-5", "bytes=1-2,5-6", "items=1-2", "bytes=a-b", "bytes=99999999999999999999-1",
        "bytes=9223372036854775807-9223372036854775807", "bytes=", "bytes=-")) {
      HttpResponse<byte[]> r = net.gatewayGet(path, "Range", range);
      String message = LocalNet.assertError(r, 416, "INVALID_BYTE_RANGE");
      assertThat(message).as(range).contains(Integer.toString(LENGTH));
      assertThat(r.headers().firstValue("Content-Range")).contains("bytes */" + LENGTH);
    }
    for (String q : List.of("start=" + LENGTH + "&length=1", "start=0&length=" + (LENGTH + 1),
        "start=" + (LENGTH - 1) + "&length=2", "start=9223372036854775807&length=9223372036854775807",
        "start=1&length=9223372036854775807")) {
      // the byte-range route answers a range outside the blob 400, as Walrus's does; Range: headers stay 416
      LocalNet.assertError(net.gatewayGet(path + "/byte-range?" + q), 400, "INVALID_BYTE_RANGE");
    }
    LocalNet.assertError(net.gatewayGet(path + "/byte-range?start=0&length=0"), 400, "INVALID_BYTE_RANGE");
    for (String q : List.of("start=-1&length=1", "start=0&length=-5", "start=x&length=1",
        "start=0", "length=1", "start=99999999999999999999&length=1")) {
      LocalNet.assertError(net.gatewayGet(path + "/byte-range?" + q), 400, "INVALID_ARGUMENT");
    }
    // The empty blob has no byte to ask for.
    LocalNet.assertError(net.gatewayGet("/v1/blobs/" + empty, "Range", "bytes=0-0"), 416, "INVALID_BYTE_RANGE");
    LocalNet.assertError(net.gatewayGet("/v1/blobs/" + empty + "/byte-range?start=0&length=1"), 400,
        "INVALID_BYTE_RANGE");
    // Through the client: a clear reason, not a short stream.
    StorageException e = catchThrowableOfType(() -> net.read(id, LENGTH, 1), StorageException.class);
    assertThat(e.reason()).isEqualTo(StorageException.Reason.INVALID_BYTE_RANGE);
    assertThat(e.httpStatus()).isEqualTo(416);
  }
}
