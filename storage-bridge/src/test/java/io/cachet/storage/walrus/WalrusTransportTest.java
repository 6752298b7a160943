package io.cachet.storage.walrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreOptions;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * How the store meets a part that is not there (a closed port), one that never answers, and a
 * caller on the wrong thread, through the Vert.x client on real loopback sockets.
 * Its time goes to request timeouts running out, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("WalrusTransportTest")
class WalrusTransportTest {
  private static final String ID = "M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk";
  private static final byte[] SEVENTEEN = "seventeen bytes!!".getBytes(StandardCharsets.US_ASCII);

  private final List<Duration> waits = new CopyOnWriteArrayList<>();

  private WalrusConfig.Builder config(String publisher, String aggregator) {
    return WalrusConfig.builder().publisher(publisher).aggregator(aggregator)
        .connectTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(20))
        .retry(RetryPolicy.builder().maxAttempts(4).initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(40)).jitter(0).build());
  }

  /** Waits are recorded, not slept. */
  private WalrusBlobStore store(WalrusConfig config) {
    return new WalrusBlobStore(config, waits::add, () -> Instant.parse("2025-06-01T12:00:00Z"));
  }

  @Test
  void store_connectionRefused_failsAsUnreachableAfterOneQuickRetryWithoutReadingAOneShotSource() throws Exception {
    int closedPort = closedPort();
    AtomicLong opened = new AtomicLong();
    BlobSource oneShot = new BlobSource() {
      public InputStream open() {
        opened.incrementAndGet();
        return new ByteArrayInputStream(SEVENTEEN);
      }

      public long length() {
        return 17;
      }

      public boolean repeatable() {
        return false;
      }
    };
    String nowhere = "http://127.0.0.1:" + closedPort + "/prefix";
    try (WalrusBlobStore store = store(config(nowhere, nowhere).build())) {
      StorageException e = catchThrowableOfType(StorageException.class,
          () -> store.store(oneShot, StoreOptions.epochs(1)));

      assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
      assertThat(e.httpStatus()).isZero();
      assertThat(e).hasMessageStartingWith("store to the publisher at 127.0.0.1:" + closedPort + " failed: "
          + "connection refused").hasMessageContaining("gave up after 2 attempts");
      assertThat(e.getMessage()).doesNotContain("/prefix", "/v1", "http://");
    }
    assertThat(opened).hasValue(0);
    assertThat(waits).containsExactly(WalrusBlobStore.REFUSED_RETRY_WAIT);
  }

  @Test
  void read_connectionRefused_failsAsUnreachableNamingTheAggregator() throws Exception {
    int closedPort = closedPort();
    String nowhere = "http://127.0.0.1:" + closedPort;
    try (WalrusBlobStore store = store(config(nowhere, nowhere).build())) {
      StorageException e = catchThrowableOfType(StorageException.class, () -> store.read(BlobId.parse(ID)));

      assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
      assertThat(e).hasMessageContaining("the aggregator at 127.0.0.1:" + closedPort + " refused the connection");
      assertThat(e.getMessage()).doesNotContain("/v1");
    }
    assertThat(waits).containsExactly(WalrusBlobStore.REFUSED_RETRY_WAIT);
  }

  @Test
  void store_connectionRefused_failsWellUnderTheRetrySchedule() throws Exception {
    String nowhere = "http://127.0.0.1:" + closedPort();
    // A schedule of 2 + 4 + 8 + 8 s, slept for real: the old client sat through all of it.
    RetryPolicy slow = RetryPolicy.builder().maxAttempts(5).initialBackoff(Duration.ofSeconds(2))
        .maxBackoff(Duration.ofSeconds(8)).jitter(0).build();
    try (WalrusBlobStore real = new WalrusBlobStore(config(nowhere, nowhere).retry(slow).build())) {
      long start = System.nanoTime();
      StorageException e = catchThrowableOfType(StorageException.class,
          () -> real.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1)));
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
      assertThat(took).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void read_serverThatNeverAnswers_timesOutAndIsRetriedOnTheSchedule() throws Exception {
    // Connections land in the backlog and are never accepted: connected, but no answer ever.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String url = "http://127.0.0.1:" + silent.getLocalPort();
      try (WalrusBlobStore store = store(config(url, url).requestTimeout(Duration.ofMillis(300)).build())) {
        StorageException e = catchThrowableOfType(StorageException.class, () -> store.read(BlobId.parse(ID)));

        assertThat(e.reason()).isEqualTo(Reason.NETWORK);
        assertThat(e).hasMessageContaining("no answer from the aggregator at 127.0.0.1:" + silent.getLocalPort())
            .hasMessageContaining("timed out").hasMessageContaining("gave up after 4 attempts");
      }
    }
    assertThat(waits).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40));
  }

  @Test
  void store_publisherThatStopsReadingTheBody_failsAtTheRequestTimeout() throws Exception {
    // Connected in the backlog, never accepted: the socket buffers fill, then nothing moves.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String url = "http://127.0.0.1:" + silent.getLocalPort();
      WalrusConfig config = config(url, url).requestTimeout(Duration.ofMillis(500)).retry(RetryPolicy.none()).build();
      try (WalrusBlobStore store = store(config)) {
        long start = System.nanoTime();
        StorageException e = catchThrowableOfType(StorageException.class,
            () -> store.store(BlobSource.ofBytes(new byte[64 << 20]), StoreOptions.epochs(1)));

        assertThat(e.reason()).isEqualTo(Reason.NETWORK);
        assertThat(e).hasMessageContaining("the publisher at 127.0.0.1:" + silent.getLocalPort())
            .hasMessageContaining("timed out");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
      }
    }
  }

  @Test
  void read_fromAnEventLoop_isRefusedInsteadOfDeadlocking() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (WalrusBlobStore store = new WalrusBlobStore(WalrusConfig.of("http://127.0.0.1:1", "http://127.0.0.1:1"),
        vertx)) {
      CompletableFuture<Throwable> thrown = new CompletableFuture<>();
      vertx.runOnContext(v -> {
        try {
          store.read(BlobId.parse(ID));
          thrown.complete(null);
        } catch (Throwable t) {
          thrown.complete(t);
        }
      });
      assertThat(thrown.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("event loop");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void close_ofAStoreOnTheCallersVertx_leavesItRunning() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      new WalrusBlobStore(WalrusConfig.of("http://127.0.0.1:1", "http://127.0.0.1:1"), vertx).close();
      CompletableFuture<Boolean> ran = new CompletableFuture<>();
      vertx.runOnContext(v -> ran.complete(true));
      assertThat(ran.get(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
