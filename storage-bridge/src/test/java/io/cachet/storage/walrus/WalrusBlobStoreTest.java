package io.cachet.storage.walrus;

import static io.cachet.storage.walrus.ScriptedServer.blob;
import static io.cachet.storage.walrus.ScriptedServer.bytes;
import static io.cachet.storage.walrus.ScriptedServer.fixture;
import static io.cachet.storage.walrus.ScriptedServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.walrus.ScriptedServer.Received;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WalrusBlobStoreTest {
  private static final String NEW_ID = "M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk";
  private static final String CERTIFIED_ID = "LlQ6ZAMkSm5XAu3p9g8tW1y9uZsWqzHc7aFj2kR0oXw";
  private static final byte[] SEVENTEEN = "seventeen bytes!!".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_ATTEMPTS = 4;

  private ScriptedServer server;
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-06-01T12:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private WalrusBlobStore store;

  @BeforeEach
  void start() throws IOException {
    server = new ScriptedServer();
    store = store(config().build());
  }

  @AfterEach
  void stop() {
    store.close();
    server.close();
  }

  private WalrusConfig.Builder config() {
    return WalrusConfig.builder()
        .publisher(server.url())
        .aggregator(server.url() + "/")
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(20))
        .retry(RetryPolicy.builder()
            .maxAttempts(MAX_ATTEMPTS)
            .initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(40))
            .jitter(0)
            .maxRetryAfter(Duration.ofSeconds(5))
            .notFoundAttempts(3)
            .notFoundWindow(Duration.ofMinutes(1))
            .build());
  }

  /** A store whose waits are recorded, not slept. */
  private WalrusBlobStore store(WalrusConfig config) {
    return new WalrusBlobStore(config, waits::add, clock);
  }

  // ---------------------------------------------------------------- store: requests

  @Test
  void store_newlyCreated_putsTheBodyWithFixedLengthAndParsesTheAnswer() throws Exception {
    server.then("PUT", fixture(200, "store-newly-created.json"));

    StoreResult result = store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(3));

    assertThat(result).isEqualTo(new StoreResult(BlobId.parse(NEW_ID), 17, 35, false,
        "0xe91e2f3c1d8b7a6954e3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a998877", 132300));
    Received put = only(server.received());
    assertThat(put.method()).isEqualTo("PUT");
    assertThat(put.path()).isEqualTo("/v1/blobs");
    assertThat(put.query()).isEqualTo("epochs=3");
    assertThat(put.header("Content-Length")).isEqualTo("17");
    assertThat(put.header("Transfer-Encoding")).isNull();
    assertThat(put.header("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(put.header("Authorization")).isNull();
    assertThat(put.bodyBytes()).isEqualTo(17);
    assertThat(put.bodyCrc()).isEqualTo(crc(SEVENTEEN));
    assertThat(waits).isEmpty();
  }

  @Test
  void store_permanentAndForce_addTheirQueryParameters() throws Exception {
    server.then("PUT", fixture(200, "store-newly-created.json"));

    store.store(BlobSource.ofBytes(SEVENTEEN), new StoreOptions(53, true, true));

    assertThat(only(server.received()).query()).isEqualTo("epochs=53&permanent=true&force=true");
  }

  @Test
  void store_bearerToken_goesToThePublisherOnly() throws Exception {
    try (WalrusBlobStore withToken = store(config().bearerToken("eyJhbGciOi.payload.sig").build())) {
      server.then("PUT", fixture(200, "store-newly-created.json"));
      server.then("GET", bytes(200, SEVENTEEN));

      StoreResult result = withToken.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1));
      try (InputStream in = withToken.read(result.blobId())) {
        assertThat(in.readAllBytes()).isEqualTo(SEVENTEEN);
      }
    }

    assertThat(only(server.received("PUT")).header("Authorization")).isEqualTo("Bearer eyJhbGciOi.payload.sig");
    assertThat(only(server.received("GET")).header("Authorization")).isNull();
  }

  @Test
  void store_sourceOfUnknownLength_isSentChunked() throws Exception {
    server.then("PUT", fixture(200, "store-newly-created.json"));

    store.store(BlobSource.ofStream(new ByteArrayInputStream(SEVENTEEN), -1), StoreOptions.epochs(1));

    Received put = only(server.received());
    assertThat(put.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
    assertThat(put.header("Content-Length")).isNull();
    assertThat(put.bodyBytes()).isEqualTo(17);
    assertThat(put.bodyCrc()).isEqualTo(crc(SEVENTEEN));
  }

  @Test
  void store_alreadyCertified_reportsTheEventOrTheObjectAnswer() throws Exception {
    server.then("PUT", fixture(200, "store-already-certified-event.json"),
        fixture(200, "store-already-certified-object.json"));

    StoreResult event = store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1));
    StoreResult object = store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1));

    assertThat(event).isEqualTo(new StoreResult(BlobId.parse(CERTIFIED_ID), -1, 118, true, null, -1));
    assertThat(object).isEqualTo(new StoreResult(BlobId.parse(CERTIFIED_ID), -1, 120, true,
        "0x5c1f6b2a9d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccdde", -1));
  }

  @Test
  void store_sizeInAnswerDiffersFromBytesSent_isAnIntegrityFailure() {
    server.then("PUT", fixture(200, "store-newly-created.json"));

    StorageException e = storeFails(BlobSource.ofBytes(new byte[5]));

    assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
    assertThat(e).hasMessageContaining("17 bytes").hasMessageContaining("5 bytes were sent");
  }

  // ---------------------------------------------------------------- store: retries

  @Test
  void store_429ThenCreated_waitsAsRetryAfterAsks() throws Exception {
    server.then("PUT", fixture(429, "error-429.json", "Retry-After", "2"), fixture(200, "store-newly-created.json"));

    StoreResult result = store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1));

    assertThat(result.blobId()).isEqualTo(BlobId.parse(NEW_ID));
    assertThat(waits).containsExactly(Duration.ofSeconds(2));
    assertThat(server.received()).hasSize(2);
  }

  @Test
  void store_retryAfterBeyondTheCap_waitsOnlyTheCap() throws Exception {
    server.then("PUT", fixture(429, "error-429.json", "Retry-After", "3600"),
        fixture(200, "store-newly-created.json"));

    store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1));

    assertThat(waits).containsExactly(Duration.ofSeconds(5));
  }

  @Test
  void store_retryAfterAsAnHttpDate_waitsUntilThen() throws Exception {
    server.then("PUT", fixture(503, "error-503.json", "Retry-After", "Sun, 01 Jun 2025 12:00:03 GMT"),
        fixture(200, "store-newly-created.json"));

    store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1));

    assertThat(waits).containsExactly(Duration.ofSeconds(3));
  }

  @Test
  void store_503Twice_resendsARepeatableSourceInFullWithDoublingBackoff() throws Exception {
    byte[] blob = randomBytes(300_000, 1);
    server.then("PUT", fixture(503, "error-503.json"), fixture(503, "error-503.json"),
        fixture(200, "store-already-certified-event.json"));

    StoreResult result = store.store(BlobSource.ofBytes(blob), StoreOptions.epochs(2));

    assertThat(result.alreadyCertified()).isTrue();
    assertThat(server.received()).hasSize(3).allSatisfy(put -> {
      assertThat(put.bodyBytes()).isEqualTo(blob.length);
      assertThat(put.bodyCrc()).isEqualTo(crc(blob));
    });
    assertThat(waits).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20));
  }

  @Test
  void store_504Forever_givesUpAfterMaxAttemptsAndSaysSo() {
    server.otherwise("PUT", fixture(504, "error-504.json"));

    StorageException e = storeFails(BlobSource.ofBytes(SEVENTEEN));

    assertThat(e.reason()).isEqualTo(Reason.INSUFFICIENT_CONFIRMATIONS);
    assertThat(e.httpStatus()).isEqualTo(504);
    assertThat(e).hasMessageContaining("not enough storage nodes confirmed")
        .hasMessageContaining("gave up after 4 attempts");
    assertThat(server.received()).hasSize(MAX_ATTEMPTS);
    assertThat(waits).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40));
  }

  @Test
  void store_oneShotSourceAnswered503_isNotRetriedAndSaysWhy() {
    server.otherwise("PUT", fixture(503, "error-503.json"));

    StorageException e = storeFails(BlobSource.ofStream(new ByteArrayInputStream(SEVENTEEN), 17));

    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
    assertThat(e).hasMessageContaining("1 attempt").hasMessageContaining("not retried")
        .hasMessageContaining("one-shot");
    assertThat(server.received()).hasSize(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void store_sourceThatFails_isNotRetried() {
    BlobSource failing = new BlobSource() {
      public InputStream open() {
        return new InputStream() {
          private int left = 1000;

          @Override
          public int read() throws IOException {
            if (left == 0) {
              throw new IOException("disk on fire");
            }
            left--;
            return 1;
          }
        };
      }

      public long length() {
        return 5000;
      }

      public boolean repeatable() {
        return true;
      }
    };
    server.otherwise("PUT", fixture(200, "store-newly-created.json"));

    StorageException e = storeFails(failing);

    assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("reading the blob source failed").hasMessageContaining("disk on fire");
    assertThat(waits).isEmpty();
  }

  @Test
  void store_sourceShorterThanItsDeclaredLength_failsWithoutUploadingAShortBlob() {
    server.otherwise("PUT", fixture(200, "store-newly-created.json"));
    BlobSource liar = new BlobSource() {
      public InputStream open() {
        return new ByteArrayInputStream(SEVENTEEN);
      }

      public long length() {
        return 18;
      }

      public boolean repeatable() {
        return true;
      }
    };

    StorageException e = storeFails(liar);

    assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("ended after 17 of its declared 18 bytes");
  }

  // ---------------------------------------------------------------- store: errors

  @Test
  void store_400_failsAtOnceWithTheServersMessage() {
    server.otherwise("PUT", fixture(400, "error-400.json"));

    StorageException e = storeFails(BlobSource.ofBytes(SEVENTEEN));

    assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e).hasMessageContaining("epochs must be between 1 and 53").hasMessageContaining("(1 attempt)");
    assertThat(server.received()).hasSize(1);
  }

  @Test
  void store_413_namesTheLimitTheServerStates() {
    server.then("PUT", fixture(413, "error-413.json"));

    StorageException e = storeFails(BlobSource.ofBytes(SEVENTEEN));

    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
    assertThat(e).hasMessageContaining("exceeds the limit of 10485760 bytes")
        .hasMessageContaining("(limit: 10485760 bytes)");
  }

  @Test
  void store_413InPlainText_saysTheLimitWasNotStated() {
    server.then("PUT", bytes(413, ScriptedServer.resource("error-413-plain.txt"), "Content-Type", "text/plain"));

    StorageException e = storeFails(BlobSource.ofBytes(SEVENTEEN));

    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
    assertThat(e).hasMessageContaining("HTTP 413").hasMessageContaining("length limit exceeded")
        .hasMessageContaining("did not state its limit");
  }

  @Test
  void store_markedInvalid_isAnIntegrityFailure() {
    server.then("PUT", fixture(500, "store-marked-invalid.json"));

    StorageException e = storeFails(BlobSource.ofBytes(SEVENTEEN));

    assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
    assertThat(e.httpStatus()).isEqualTo(500);
    assertThat(e).hasMessageContaining("kFzfCw9eo3DWS6D4SNAbpkqeeVwn8jt3oZXN8dAA0dQ").hasMessageContaining("invalid");
  }

  @Test
  void store_errorAnswer_namesThePhaseAndMessage() {
    server.then("PUT", fixture(500, "store-error.json"));

    StorageException e = storeFails(BlobSource.ofBytes(SEVENTEEN));

    assertThat(e.reason()).isEqualTo(Reason.INTERNAL);
    assertThat(e).hasMessageContaining("certify").hasMessageContaining("not enough confirmations");
  }

  @Test
  void store_okWithGarbage_isAProtocolFailure() {
    server.then("PUT", status(200, "<html>hello</html>"));

    StorageException e = storeFails(BlobSource.ofBytes(SEVENTEEN));

    assertThat(e.reason()).isEqualTo(Reason.PROTOCOL);
    assertThat(e).hasMessageContaining("not JSON");
  }

  @Test
  void store_64MiB_streamsThroughWithoutHoldingTheBlob() throws Exception {
    long size = 64L << 20;
    GeneratedStream generated = new GeneratedStream(size);
    AtomicLong sourceReadWhenServerHad1MiB = new AtomicLong(-1);
    server.onBodyProgress(received -> {
      if (received >= (1 << 20)) {
        sourceReadWhenServerHad1MiB.compareAndSet(-1, generated.position());
      }
    });
    server.then("PUT", (ex, r) -> fixture(200, "store-newly-created.json").answer(ex, r));
    BlobSource source = BlobSource.ofStream(generated, size);

    StorageException e = storeFails(source);

    // The fixture says 17 bytes: the mismatch proves the answer was checked against what was sent.
    assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
    Received put = only(server.received());
    assertThat(put.header("Content-Length")).isEqualTo(Long.toString(size));
    assertThat(put.bodyBytes()).isEqualTo(size);
    assertThat(put.bodyCrc()).isEqualTo(new GeneratedStream(size).crc());
    // Streaming: when the server had its first MiB, the client had read only a little more.
    assertThat(sourceReadWhenServerHad1MiB.get()).isBetween(1L << 20, 16L << 20);
  }

  // ---------------------------------------------------------------- read

  @Test
  void read_wholeBlob_streamsItsBytes() throws Exception {
    byte[] blob = randomBytes(200_000, 2);
    server.then("GET", blob(blob));

    try (InputStream in = store.read(BlobId.parse(NEW_ID))) {
      assertThat(in.readAllBytes()).isEqualTo(blob);
    }

    Received get = only(server.received());
    assertThat(get.path()).isEqualTo("/v1/blobs/" + NEW_ID);
    assertThat(get.header("Range")).isNull();
  }

  @Test
  void read_range_sendsAClosedRangeAndChecksThe206() throws Exception {
    byte[] blob = randomBytes(1000, 3);
    server.then("GET", blob(blob));

    try (InputStream in = store.read(BlobId.parse(NEW_ID), 100, 250)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(blob, 100, 350));
    }

    assertThat(only(server.received()).header("Range")).isEqualTo("bytes=100-349");
  }

  @Test
  void read_rangeTheServerIgnores_skipsAndLimitsTheWholeBlob() throws Exception {
    byte[] blob = randomBytes(1000, 4);
    server.then("GET", bytes(200, blob));

    try (InputStream in = store.read(BlobId.parse(NEW_ID), 990, 10)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(blob, 990, 1000));
    }
  }

  @Test
  void read_rangePastTheEndOfAWholeBlobAnswer_isAnInvalidRange() {
    server.then("GET", bytes(200, new byte[1000]));

    StorageException e = readFails(990, 11);

    assertThat(e.reason()).isEqualTo(Reason.INVALID_BYTE_RANGE);
    assertThat(e).hasMessageContaining("1000 bytes");
  }

  @Test
  void read_416_isAnInvalidRangeNotRetried() {
    server.otherwise("GET", blob(new byte[1000]));

    StorageException e = readFails(1000, 1);

    assertThat(e.reason()).isEqualTo(Reason.INVALID_BYTE_RANGE);
    assertThat(e.httpStatus()).isEqualTo(416);
    assertThat(server.received()).hasSize(1);
  }

  @Test
  void read_rangeTheServerClipsAtTheEnd_isAnInvalidRange() {
    server.then("GET", blob(new byte[1000]));

    StorageException e = readFails(900, 200);

    assertThat(e.reason()).isEqualTo(Reason.INVALID_BYTE_RANGE);
    assertThat(e).hasMessageContaining("1000 bytes");
  }

  @Test
  void read_206ForAnotherRange_isAProtocolFailure() {
    server.then("GET", bytes(206, new byte[10], "Content-Range", "bytes 0-9/1000"));

    StorageException e = readFails(10, 10);

    assertThat(e.reason()).isEqualTo(Reason.PROTOCOL);
    assertThat(e).hasMessageContaining("bytes 0-9/1000");
  }

  @Test
  void read_206WithoutContentRange_isAProtocolFailure() {
    server.then("GET", bytes(206, new byte[10]));

    assertThat(readFails(10, 10).reason()).isEqualTo(Reason.PROTOCOL);
  }

  @Test
  void redirect_isNotFollowed() {
    server.otherwise("GET", status(301, "", "Location", "https://elsewhere.example/v1/blobs/x"));
    server.otherwise("PUT", status(307, "", "Location", "https://elsewhere.example/v1/blobs"));

    StorageException read = catchThrowableOfType(StorageException.class, () -> store.read(BlobId.parse(NEW_ID)));
    StorageException stored = storeFails(BlobSource.ofBytes(SEVENTEEN));

    assertThat(read.reason()).isEqualTo(Reason.PROTOCOL);
    assertThat(read).hasMessageContaining("HTTP 301 to https://elsewhere.example/v1/blobs/x")
        .hasMessageContaining("not followed");
    assertThat(stored.reason()).isEqualTo(Reason.PROTOCOL);
    assertThat(stored.httpStatus()).isEqualTo(307);
    assertThat(server.received()).hasSize(2);
  }

  @Test
  void read_lengthZero_returnsAnEmptyStreamWithoutARequest() throws Exception {
    try (InputStream in = store.read(BlobId.parse(NEW_ID), 5, 0)) {
      assertThat(in.read()).isEqualTo(-1);
    }
    assertThat(server.received()).isEmpty();
  }

  @Test
  void read_negativeArguments_areRefused() {
    BlobId id = BlobId.parse(NEW_ID);
    assertThatThrownBy(() -> store.read(id, -1, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.read(id, 0, -5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.read(id, Long.MAX_VALUE, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThat(server.received()).isEmpty();
  }

  @Test
  void read_bodyThatEndsEarly_throwsIOExceptionNotAShortBlob() throws Exception {
    try (RawServer raw = new RawServer("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(100));
        WalrusBlobStore s = store(config().aggregator(raw.url()).build());
        InputStream in = s.read(BlobId.parse(NEW_ID))) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
    }
  }

  @Test
  void read_rangeBodyThatEndsEarly_throwsIOException() throws Exception {
    String head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 10-59/1000\r\nContent-Length: 50\r\n\r\n";
    try (RawServer raw = new RawServer(head + "y".repeat(20));
        WalrusBlobStore s = store(config().aggregator(raw.url()).build());
        InputStream in = s.read(BlobId.parse(NEW_ID), 10, 50)) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
    }
  }

  @Test
  void read_unknownBlob404_failsAtOnceWithoutRetries() {
    server.otherwise("GET", fixture(404, "error-404.json"));

    StorageException e = catchThrowableOfType(StorageException.class, () -> store.read(BlobId.parse(NEW_ID)));

    assertThat(e.reason()).isEqualTo(Reason.BLOB_NOT_FOUND);
    assertThat(e.httpStatus()).isEqualTo(404);
    assertThat(e).hasMessageContaining("has not been found").hasMessageContaining("(1 attempt)");
    assertThat(server.received()).hasSize(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void read_404RightAfterOwnUpload_isRetried() throws Exception {
    server.then("PUT", fixture(200, "store-newly-created.json"));
    server.then("GET", fixture(404, "error-404.json"), fixture(404, "error-404.json"), bytes(200, SEVENTEEN));
    StoreResult stored = store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1));
    now.set(now.get().plusSeconds(30));

    try (InputStream in = store.read(stored.blobId())) {
      assertThat(in.readAllBytes()).isEqualTo(SEVENTEEN);
    }

    assertThat(server.received("GET")).hasSize(3);
    assertThat(waits).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20));
  }

  @Test
  void read_404AfterOwnUploadThatPersists_givesUpAfterNotFoundAttempts() throws Exception {
    server.then("PUT", fixture(200, "store-newly-created.json"));
    server.otherwise("GET", fixture(404, "error-404.json"));
    StoreResult stored = store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1));

    StorageException e = catchThrowableOfType(StorageException.class, () -> store.read(stored.blobId()));

    assertThat(e.reason()).isEqualTo(Reason.BLOB_NOT_FOUND);
    assertThat(e).hasMessageContaining("gave up after 3 attempts");
    assertThat(server.received("GET")).hasSize(3);
  }

  @Test
  void read_404LongAfterOwnUpload_failsAtOnce() throws Exception {
    server.then("PUT", fixture(200, "store-newly-created.json"));
    server.otherwise("GET", fixture(404, "error-404.json"));
    StoreResult stored = store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1));
    now.set(now.get().plusSeconds(61));

    StorageException e = catchThrowableOfType(StorageException.class, () -> store.read(stored.blobId()));

    assertThat(e.reason()).isEqualTo(Reason.BLOB_NOT_FOUND);
    assertThat(server.received("GET")).hasSize(1);
  }

  @Test
  void read_429And503_areRetried() throws Exception {
    server.then("GET", fixture(429, "error-429.json", "Retry-After", "1"), fixture(503, "error-503.json"),
        bytes(200, SEVENTEEN));

    try (InputStream in = store.read(BlobId.parse(NEW_ID))) {
      assertThat(in.readAllBytes()).isEqualTo(SEVENTEEN);
    }

    assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofMillis(20));
  }

  @ParameterizedTest(name = "HTTP {0} -> {1}")
  @CsvSource({
      "400, INVALID_ARGUMENT, 1, epochs must be between",
      "401, UNAUTHENTICATED, 1, valid bearer token",
      "403, SIZE_EXCEEDED, 1, maximum blob size",
      "404, BLOB_NOT_FOUND, 1, has not been found",
      "413, TOO_LARGE, 1, (limit: 10485760 bytes)",
      "416, INVALID_BYTE_RANGE, 1, not satisfiable",
      "429, RATE_LIMITED, 4, too many requests",
      "451, FORBIDDEN_BLOB, 1, deny list",
      "500, INTERNAL, 1, an internal error occurred",
      "503, UNAVAILABLE, 4, could not be reconstructed",
      "504, INSUFFICIENT_CONFIRMATIONS, 4, confirmed the blob in time",
  })
  void read_errorAnswer_mapsToReasonAndRetriesOnlyTransientOnes(int status, Reason reason, int attempts,
      String message) {
    server.otherwise("GET", fixture(status, "error-" + status + ".json"));

    StorageException e = catchThrowableOfType(StorageException.class, () -> store.read(BlobId.parse(NEW_ID)));

    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.httpStatus()).isEqualTo(status);
    assertThat(e).hasMessageContaining(message).hasMessageContaining("HTTP " + status)
        .hasMessageContaining(attempts + (attempts == 1 ? " attempt" : " attempts"));
    assertThat(server.received()).hasSize(attempts);
  }

  @Test
  void read_htmlErrorFromAProxy_stillNamesTheStatus() {
    server.otherwise("GET", bytes(502, ScriptedServer.resource("error-502.html"), "Content-Type", "text/html"));

    StorageException e = catchThrowableOfType(StorageException.class, () -> store.read(BlobId.parse(NEW_ID)));

    assertThat(e.reason()).isEqualTo(Reason.INTERNAL);
    assertThat(e.httpStatus()).isEqualTo(502);
    assertThat(e).hasMessageContaining("HTTP 502").hasMessageContaining("Bad Gateway");
    assertThat(e.getMessage()).doesNotContain("\n", "\r");
  }

  // ---------------------------------------------------------------- lifecycle

  @Test
  void close_refusesLaterCalls() {
    store.close();

    assertThatThrownBy(() -> store.read(BlobId.parse(NEW_ID))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.store(BlobSource.ofBytes(SEVENTEEN), StoreOptions.epochs(1)))
        .isInstanceOf(IllegalStateException.class);
    store.close();
  }

  @Test
  void connect_takesTwoUrls() {
    try (WalrusBlobStore s = WalrusBlobStore.connect(server.url() + "/", "http://localhost:31415/prefix/")) {
      assertThat(s.config().publisher().toString()).isEqualTo(server.url());
      assertThat(s.config().aggregator().toString()).isEqualTo("http://localhost:31415/prefix");
      assertThat(s.config().retry()).isEqualTo(RetryPolicy.defaults());
    }
  }

  // ---------------------------------------------------------------- helpers

  private StorageException storeFails(BlobSource source) {
    StorageException e = catchThrowableOfType(StorageException.class,
        () -> store.store(source, StoreOptions.epochs(1)));
    assertThat(e).as("store should have failed").isNotNull();
    return e;
  }

  private StorageException readFails(long offset, long length) {
    StorageException e = catchThrowableOfType(StorageException.class, () -> {
      try (InputStream in = store.read(BlobId.parse(NEW_ID), offset, length)) {
        in.readAllBytes();
      }
    });
    assertThat(e).as("read should have failed").isNotNull();
    return e;
  }

  private static <T> T only(List<T> list) {
    assertThat(list).hasSize(1);
    return list.get(0);
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static long crc(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b);
    return c.getValue();
  }

  /** {@code size} bytes made up as they are read: nothing backs them, so nothing can hold them all. */
  private static final class GeneratedStream extends InputStream {
    private static final byte[] PATTERN = randomBytes(65_521, 64);
    private final long size;
    private final AtomicLong position = new AtomicLong();

    GeneratedStream(long size) {
      this.size = size;
    }

    long position() {
      return position.get();
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      long pos = position.get();
      if (pos >= size) {
        return -1;
      }
      int at = (int) (pos % PATTERN.length);
      int n = (int) Math.min(Math.min(len, size - pos), PATTERN.length - at);
      System.arraycopy(PATTERN, at, b, off, n);
      position.addAndGet(n);
      return n;
    }

    long crc() {
      CRC32C c = new CRC32C();
      byte[] buf = new byte[1 << 16];
      for (int n; (n = read(buf, 0, buf.length)) >= 0; ) {
        c.update(buf, 0, n);
      }
      return c.getValue();
    }
  }

  /** Answers one connection with fixed bytes, then closes it: for bodies cut short. */
  private static final class RawServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;

    RawServer(String response) throws IOException {
      socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      thread = new Thread(() -> {
        try (Socket c = socket.accept()) {
          InputStream in = c.getInputStream();
          int matched = 0;
          byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
          while (matched < 4) {
            int b = in.read();
            if (b < 0) {
              return;
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
          }
          OutputStream out = c.getOutputStream();
          out.write(response.getBytes(StandardCharsets.US_ASCII));
          out.flush();
        } catch (IOException e) {
          // The test sees whatever the client saw.
        }
      }, "raw-server");
      thread.setDaemon(true);
      thread.start();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
