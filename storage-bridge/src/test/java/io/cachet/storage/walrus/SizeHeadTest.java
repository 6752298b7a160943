package io.cachet.storage.walrus;

import static io.cachet.storage.walrus.ScriptedServer.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link WalrusBlobStore#size}: HEAD /v1/blobs/{id}, Content-Length and nothing else. */
class SizeHeadTest {
  private static final BlobId ID = BlobId.parse("M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk");

  private ScriptedServer server;
  private WalrusBlobStore store;
  private final List<Duration> waits = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedServer();
    store = new WalrusBlobStore(WalrusConfig.builder().publisher(server.url()).aggregator(server.url())
        .retry(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(5))
            .maxBackoff(Duration.ofMillis(5)).jitter(0).build())
        .build(), waits::add, () -> Instant.parse("2025-06-01T12:00:00Z"));
  }

  @AfterEach
  void stop() {
    store.close();
    server.close();
  }

  /** A HEAD answer announcing {@code length} bytes and sending none. */
  private static ScriptedServer.Step head(String length) {
    return (ex, r) -> {
      if (length != null) {
        ex.getResponseHeaders().add("Content-Length", length);
      }
      ex.sendResponseHeaders(200, -1);
    };
  }

  @Test
  void size_isTheHeadAnswersContentLength() throws Exception {
    server.then("HEAD", head("123456789"));

    assertThat(store.size(ID)).isEqualTo(123456789L);

    ScriptedServer.Received r = server.received().get(0);
    assertThat(r.method()).isEqualTo("HEAD");
    assertThat(r.path()).isEqualTo("/v1/blobs/" + ID);
  }

  @Test
  void size_twice_reusesTheConnection_andAsksAgain() throws Exception {
    server.then("HEAD", head("7"), head("8"));
    assertThat(store.size(ID)).isEqualTo(7);
    assertThat(store.size(ID)).isEqualTo(8);
  }

  @Test
  void size_withoutContentLength_isAProtocolFailure() {
    server.then("HEAD", head(null));
    StorageException e = catchThrowableOfType(StorageException.class, () -> store.size(ID));
    assertThat(e.reason()).isEqualTo(Reason.PROTOCOL);
    assertThat(e).hasMessageContaining("no Content-Length");
  }

  @Test
  void size_ofAMissingBlob_isBlobNotFound_atOnce() {
    server.then("HEAD", fixture(404, "error-404.json"));
    StorageException e = catchThrowableOfType(StorageException.class, () -> store.size(ID));
    assertThat(e.reason()).isEqualTo(Reason.BLOB_NOT_FOUND);
    assertThat(server.received()).hasSize(1);
  }

  @Test
  void size_503_isRetried() throws Exception {
    server.then("HEAD", fixture(503, "error-503.json"), head("5"));
    assertThat(store.size(ID)).isEqualTo(5);
    assertThat(waits).hasSize(1);
  }
}
