package io.cachet.storage.walrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.common.http.FloodServer;
import io.cachet.common.http.FloodServer.Announce;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StoreOptions;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Walrus publisher and aggregator that answer with a gigabyte (a real loopback server generating
 * it on the fly): the store reads a publisher's answer only up to its cap and fails with the typed
 * cause, a ranged read stops at the range, and both drop the connection instead of draining it.
 */
class HostileWalrusTest {
  /** What the flood may have pushed past a cap into socket buffers before the reader's close: far below 1 GiB. */
  private static final long SLACK = 32L << 20;
  /** How long the flood must write nothing for the reader to count as having stopped it. */
  private static final Duration QUIET = Duration.ofSeconds(2);
  private static final BlobId BLOB = BlobId.of(new byte[BlobId.LENGTH]);

  private FloodServer flood;

  @AfterEach
  void stop() throws Exception {
    if (flood != null) {
      flood.close();
    }
  }

  private WalrusBlobStore store() {
    return new WalrusBlobStore(WalrusConfig.builder().publisher(flood.url()).aggregator(flood.url())
        .requestTimeout(Duration.ofSeconds(60)).build());
  }

  @Test
  void store_publisherStreamingAGigabyte_failsAtCapWithTypedCause() throws Exception {
    flood = FloodServer.start(req -> true, Announce.CHUNKED, "{\"newlyCreated\":\"", req -> { });
    try (WalrusBlobStore store = store()) {
      assertThatThrownBy(() -> store.store(BlobSource.ofBytes(new byte[1000]), StoreOptions.epochs(1)))
          .isInstanceOfSatisfying(StorageException.class, e -> {
            assertThat(e.reason()).isEqualTo(StorageException.Reason.PROTOCOL);
            assertThat(AnswerTooLargeException.in(e)).isNotNull();
          });
    }
    awaitFloodEnded(1);
    assertThat(flood.written()).isLessThan(flood.floods() * (WalrusBlobStore.MAX_ANSWER_BYTES + SLACK));
  }

  @Test
  void store_publisherAnnouncingAGigabyte_isRefusedBeforeReading() throws Exception {
    flood = FloodServer.start(req -> true, Announce.HONEST_LENGTH, "{", req -> { });
    try (WalrusBlobStore store = store()) {
      assertThatThrownBy(() -> store.store(BlobSource.ofBytes(new byte[1000]), StoreOptions.epochs(1)))
          .satisfies(e -> assertThat(AnswerTooLargeException.in(e)).isNotNull());
    }
    awaitFloodEnded(1);
    assertThat(flood.written()).isLessThan(flood.floods() * SLACK);
  }

  @Test
  void readRange_aggregatorSendingTheWholeGigabyte_stopsAtTheRange() throws Exception {
    flood = FloodServer.start(req -> true, Announce.HONEST_LENGTH, "", req -> { });
    try (WalrusBlobStore store = store()) {
      byte[] got;
      try (InputStream in = store.read(BLOB, 10, 1000)) {
        got = in.readAllBytes();
      }
      assertThat(got).hasSize(1000).containsOnly((byte) 'A');
    }
    awaitFloodEnded(1);
    assertThat(flood.written()).isLessThan(SLACK);
  }

  /**
   * Waits until the flood has ended: the server heard the reader drop {@code count} connections,
   * or nothing more has left it for {@link #QUIET} (the reader stopped reading, so TCP holds the
   * server back). The second is needed because, in some runs (seen in CI and here), the
   * server is never told of a connection the reader closed; the byte budget asserted after this
   * is what the tests are about, and it holds either way.
   */
  private void awaitFloodEnded(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long seen = -1;
    long since = System.nanoTime();
    while (flood.dropped() < count && System.nanoTime() < deadline) {
      long now = flood.written();
      if (now != seen) {
        seen = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= QUIET.toNanos()) {
        return;
      }
      Thread.sleep(20);
    }
    assertThat(flood.dropped()).as("connections the reader dropped").isGreaterThanOrEqualTo(count);
  }
}
