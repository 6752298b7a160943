package io.cachet.storage.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * {@link QuiltBodyStream}, the quilt's bytes as the stripe pipeline reads them: the prefix then
 * every part's file, in order, whole, under any pattern of pausing and fetching, never more items
 * than fetched; a missing file ends it with its exception; closing stops it.
 */
class QuiltStoreBodyStreamTest {
  private static Vertx vertx;

  @BeforeContainer
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterContainer
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private static byte[] random(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** The stream read to its end: every {@code every} items it is paused (flowing) or out of demand (fetching), for a moment. */
  private static byte[] readAll(Buffer prefix, List<Path> files, int every, boolean fetching) throws Exception {
    Promise<byte[]> done = Promise.promise();
    vertx.runOnContext(v -> {
      QuiltBodyStream stream = new QuiltBodyStream(vertx, prefix, files);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long[] counts = {0, fetching ? every : Long.MAX_VALUE}; // delivered, allowed
      if (fetching) {
        stream.pause();
      }
      stream.exceptionHandler(done::tryFail);
      stream.endHandler(e -> done.tryComplete(out.toByteArray()));
      stream.handler(chunk -> {
        counts[0]++;
        if (counts[0] > counts[1]) {
          done.tryFail(new AssertionError("item " + counts[0] + " delivered, only " + counts[1] + " fetched"));
        }
        out.writeBytes(chunk.getBytes());
        if (counts[0] % every == 0) {
          if (fetching) {
            vertx.setTimer(1, t -> {
              counts[1] += every;
              stream.fetch(every);
            });
          } else {
            stream.pause();
            vertx.setTimer(1, t -> stream.resume());
          }
        }
      });
      if (fetching) {
        stream.fetch(every);
      }
    });
    return done.future().await(60, TimeUnit.SECONDS);
  }

  @Property(tries = 40)
  void deliversThePrefixThenEveryFile_inOrder_whateverThePausing(
      @ForAll @Size(max = 5) List<@IntRange(max = 150_000) Integer> sizes,
      @ForAll @IntRange(max = 150_000) int prefixLength, @ForAll @IntRange(min = 1, max = 4) int every,
      @ForAll boolean fetching) throws Exception {
    Path dir = Files.createTempDirectory("quilt-body-stream");
    try {
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      byte[] prefix = random(prefixLength, prefixLength);
      expected.writeBytes(prefix);
      List<Path> files = new ArrayList<>();
      for (int i = 0; i < sizes.size(); i++) {
        byte[] content = random(sizes.get(i), i * 31L + sizes.get(i));
        Path f = dir.resolve("part-" + i);
        Files.write(f, content);
        files.add(f);
        expected.writeBytes(content);
      }
      assertThat(readAll(Buffer.buffer(prefix), files, every, fetching)).isEqualTo(expected.toByteArray());
    } finally {
      delete(dir);
    }
  }

  @Property(tries = 5)
  void aMissingFile_endsTheStreamWithItsException(@ForAll boolean fetching) throws Exception {
    Path dir = Files.createTempDirectory("quilt-body-stream");
    try {
      Path present = dir.resolve("present");
      Files.write(present, random(1000, 1));
      List<Path> files = List.of(present, dir.resolve("missing"));
      Throwable failure = null;
      try {
        readAll(Buffer.buffer("prefix"), files, 2, fetching);
      } catch (Exception e) {
        failure = e;
      }
      assertThat(failure).isNotNull().hasMessageContaining("missing");
    } finally {
      delete(dir);
    }
  }

  @Property(tries = 3)
  void close_stopsDelivery(@ForAll @IntRange(min = 1, max = 3) int afterItems) throws Exception {
    Path dir = Files.createTempDirectory("quilt-body-stream");
    try {
      Path big = dir.resolve("big");
      Files.write(big, random(1 << 20, 2));
      Promise<Long> stopped = Promise.promise();
      vertx.runOnContext(v -> {
        QuiltBodyStream stream = new QuiltBodyStream(vertx, Buffer.buffer("p"), List.of(big));
        long[] seen = {0};
        stream.endHandler(e -> stopped.tryFail(new AssertionError("ended after close")));
        stream.handler(chunk -> {
          seen[0]++;
          if (seen[0] == afterItems) {
            stream.close();
            vertx.setTimer(200, t -> stopped.tryComplete(seen[0]));
          }
        });
      });
      assertThat(stopped.future().await(30, TimeUnit.SECONDS)).isEqualTo(afterItems);
    } finally {
      delete(dir);
    }
  }
}
