package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Any range of one stored blob reads back exactly, through the client and through
 * {@code /byte-range}; any range that does not fit is refused with INVALID_BYTE_RANGE.
 */
class RangeReadProperties {
  static final int SHARD = 1024;
  static final int STRIPE = 3 * SHARD;
  static final int LENGTH = 40 * STRIPE + 2 * SHARD + 5;

  static Path root;
  static LocalNet net;
  static byte[] data;
  static BlobId id;

  @BeforeContainer
  static void up() throws Exception {
    root = Files.createTempDirectory("range-props");
    net = LocalNet.start(root, SHARD);
    data = LocalNet.random(LENGTH, 11);
    id = net.store(data, 5).blobId();
  }

  @AfterContainer
  static void down() throws IOException {
    net.close();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Offsets and lengths biased to the edges: near 0, near stripe and shard boundaries, near the end. */
  @Provide
  Arbitrary<Tuple2<Integer, Integer>> ranges() {
    Arbitrary<Integer> offset = Arbitraries.oneOf(
        Arbitraries.integers().between(0, LENGTH - 1),
        Arbitraries.integers().between(0, LENGTH / SHARD).flatMap(m ->
            Arbitraries.integers().between(-2, 2).map(d -> Math.max(0, Math.min(LENGTH - 1, m * SHARD + d)))),
        Arbitraries.integers().between(LENGTH - 5, LENGTH - 1));
    return offset.flatMap(o -> Arbitraries.oneOf(
        Arbitraries.integers().between(1, LENGTH - o),
        Arbitraries.integers().between(1, Math.min(3, LENGTH - o)),
        Arbitraries.just(LENGTH - o)).map(len -> Tuple.of(o, len)));
  }

  @Property(tries = 150)
  void anyRangeReadsExactly(@ForAll("ranges") Tuple2<Integer, Integer> range) throws IOException {
    int offset = range.get1();
    int length = range.get2();
    byte[] expected = Arrays.copyOfRange(data, offset, offset + length);
    assertThat(net.read(id, offset, length)).isEqualTo(expected);
    HttpResponse<byte[]> r = net.gatewayGet("/v1/blobs/" + id + "/byte-range?start=" + offset + "&length=" + length);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(expected);
  }

  @Property(tries = 50)
  void rangesPastTheEndAreRefused(@ForAll("pastTheEnd") Tuple2<Long, Long> range) {
    long offset = range.get1();
    long length = range.get2();
    LocalNet.assertError(net.gatewayGet("/v1/blobs/" + id + "/byte-range?start=" + offset + "&length=" + length),
        400, "INVALID_BYTE_RANGE");
    StorageException e = null;
    try {
      net.read(id, offset, length).clone();
    } catch (StorageException se) {
      e = se;
    } catch (IOException io) {
      throw new AssertionError("expected INVALID_BYTE_RANGE, got " + io, io);
    }
    assertThat(e).as("range %d+%d", offset, length).isNotNull();
    assertThat(e.reason()).isEqualTo(StorageException.Reason.INVALID_BYTE_RANGE);
  }

  @Provide
  Arbitrary<Tuple2<Long, Long>> pastTheEnd() {
    Arbitrary<Tuple2<Long, Long>> startInside = Arbitraries.longs().between(0, LENGTH - 1)
        .flatMap(o -> Arbitraries.longs().between(LENGTH - o + 1, Long.MAX_VALUE - o).map(l -> Tuple.of(o, l)));
    Arbitrary<Tuple2<Long, Long>> startOutside = Combinators.combine(
        Arbitraries.longs().between(LENGTH, Long.MAX_VALUE / 2), Arbitraries.longs().between(1, 1000)).as(Tuple::of);
    return Arbitraries.oneOf(startInside, startOutside);
  }
}
