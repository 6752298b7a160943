package io.cachet.storage.walrus;

import static io.cachet.storage.walrus.ScriptedServer.bytes;
import static io.cachet.storage.walrus.ScriptedServer.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.PatchStream;
import io.cachet.storage.QuiltFile;
import io.cachet.storage.QuiltPatch;
import io.cachet.storage.QuiltStoreResult;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.quilt.QuiltPatchId;
import io.cachet.storage.walrus.ScriptedServer.Received;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * WalrusBlobStore's quilt calls against a scripted publisher and aggregator on loopback: the
 * requests it sends, the answers it accepts, and the hostile answers it refuses by name.
 */
class QuiltStoreTest {
  private static final BlobId QUILT = BlobId.parse("M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk");
  private static final BlobId OTHER = BlobId.parse("LlQ6ZAMkSm5XAu3p9g8tW1y9uZsWqzHc7aFj2kR0oXw");
  /** A real Walrus patch id (columns 1..208 of its own encoding), from Walrus's quilt docs. */

  private ScriptedServer server;
  private WalrusBlobStore store;
  private final List<Duration> waits = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedServer();
    store = new WalrusBlobStore(WalrusConfig.builder().publisher(server.url()).aggregator(server.url())
        .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(20))
        .retry(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(10)).jitter(0).notFoundAttempts(3).notFoundWindow(Duration.ofMinutes(1))
            .build())
        .build(), waits::add, () -> Instant.parse("2025-06-01T12:00:00Z"));
  }

  @AfterEach
  void stop() {
    store.close();
    server.close();
  }

  private static String patch(BlobId quilt, int i) {
    return QuiltPatchId.ofPatch(quilt, i).toString();
  }

  private static String blobStoreResult() {
    return new String(ScriptedServer.resource("store-newly-created.json"), StandardCharsets.UTF_8);
  }

  /** A publisher's quilt answer: the docs' shape, patches listed sorted by identifier as Walrus lists them. */
  private static byte[] quiltAnswer(String stored) {
    return ("{\"blobStoreResult\":" + blobStoreResult() + ",\"storedQuiltBlobs\":" + stored + ",\"extra\":1}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static List<QuiltFile> threeFiles() {
    return List.of(
        new QuiltFile("zeta.txt", Map.of("content-type", "text/plain"), BlobSource.ofBytes("zz".getBytes())),
        QuiltFile.of("alpha.bin", BlobSource.ofBytes(new byte[100])),
        QuiltFile.of("mid", BlobSource.ofBytes(new byte[0])));
  }

  private static String threeStored() {
    return "[{\"identifier\":\"alpha.bin\",\"quiltPatchId\":\"" + patch(QUILT, 1) + "\"},"
        + "{\"identifier\":\"mid\",\"quiltPatchId\":\"" + patch(QUILT, 2) + "\"},"
        + "{\"identifier\":\"zeta.txt\",\"quiltPatchId\":\"" + patch(QUILT, 0) + "\",\"more\":[]}]";
  }

  // ---------------------------------------------------------------- storeQuilt

  @Test
  void storeQuilt_sendsAStreamedMultipartPut_andReturnsThePatchesInTheFilesOrder() throws Exception {
    server.then("PUT", bytes(200, quiltAnswer(threeStored()), "Content-Type", "application/json"));

    QuiltStoreResult result = store.storeQuilt(threeFiles(), new StoreOptions(4, true, false));

    Received put = server.received().get(0);
    assertThat(put.method()).isEqualTo("PUT");
    assertThat(put.path()).isEqualTo("/v1/quilts");
    assertThat(put.query()).isEqualTo("epochs=4&permanent=true");
    assertThat(put.header("Content-Type")).startsWith("multipart/form-data; boundary=cachet-quilt-");
    assertThat(put.header("Content-Length")).isEqualTo(Long.toString(put.bodyBytes()));
    assertThat(result.blob().blobId()).isEqualTo(QUILT);
    assertThat(result.blob().endEpoch()).isEqualTo(35);
    assertThat(result.patches()).extracting(QuiltPatch::identifier).containsExactly("zeta.txt", "alpha.bin", "mid");
    assertThat(result.patches()).extracting(p -> p.patchId().index()).containsExactly(0, 1, 2);
    assertThat(result.patches().get(0).tags()).isEqualTo(Map.of("content-type", "text/plain"));
    assertThat(result.patches()).allMatch(p -> p.quiltId().equals(QUILT));
  }

  /** A real Walrus publisher's ids span columns of its encoding (1..208, say): passed through as they are. */
  @Test
  void storeQuilt_walrusColumnSpans_arePassedThroughWhole() throws Exception {
    String stored = "[{\"identifier\":\"zeta.txt\",\"quiltPatchId\":\"" + new QuiltPatchId(QUILT, 1, 208) + "\"},"
        + "{\"identifier\":\"alpha.bin\",\"quiltPatchId\":\"" + new QuiltPatchId(QUILT, 208, 635) + "\"},"
        + "{\"identifier\":\"mid\",\"quiltPatchId\":\"" + new QuiltPatchId(QUILT, 635, 636) + "\"}]";
    server.then("PUT", bytes(200, quiltAnswer(stored), "Content-Type", "application/json"));

    QuiltStoreResult r = store.storeQuilt(threeFiles(), StoreOptions.epochs(1));

    assertThat(r.patches()).extracting(QuiltPatch::patchId).containsExactly(new QuiltPatchId(QUILT, 1, 208),
        new QuiltPatchId(QUILT, 208, 635), new QuiltPatchId(QUILT, 635, 636));
    assertThat(r.patches().get(0).patchId().isSinglePatch()).isFalse();
  }

  @Test
  void storeQuilt_snakeCaseAnswer_isReadToo() throws Exception {
    String snake = "{\"blob_store_result\":" + blobStoreResult() + ",\"stored_quilt_blobs\":["
        + "{\"identifier\":\"a\",\"quilt_patch_id\":\"" + patch(QUILT, 0) + "\"}]}";
    server.then("PUT", bytes(200, snake.getBytes(StandardCharsets.UTF_8)));

    QuiltStoreResult r = store.storeQuilt(List.of(QuiltFile.of("a", BlobSource.ofBytes(new byte[1]))),
        StoreOptions.epochs(1));

    assertThat(r.patches()).containsExactly(new QuiltPatch("a", QuiltPatchId.ofPatch(QUILT, 0), Map.of()));
  }

  @Test
  void storeQuilt_503_isRetriedWithTheWholeFormAgain() throws Exception {
    server.then("PUT", fixture(503, "error-503.json"), bytes(200, quiltAnswer(threeStored())));

    store.storeQuilt(threeFiles(), StoreOptions.epochs(1));

    List<Received> puts = server.received("PUT");
    assertThat(puts).hasSize(2);
    assertThat(puts.get(1).bodyBytes()).isEqualTo(puts.get(0).bodyBytes());
    assertThat(waits).hasSize(1);
  }

  @Test
  void storeQuilt_aOneShotFileAlreadySent_isNotRetried() {
    server.then("PUT", fixture(503, "error-503.json"));
    List<QuiltFile> files = List.of(QuiltFile.of("once", BlobSource.ofStream(new ByteArrayInputStream(new byte[9]), 9)));

    StorageException e = catchThrowableOfType(StorageException.class,
        () -> store.storeQuilt(files, StoreOptions.epochs(1)));

    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
    assertThat(e).hasMessageContaining("not retried").hasMessageContaining("one-shot");
    assertThat(server.received()).hasSize(1);
  }

  @Test
  void storeQuilt_aFileShorterThanDeclared_failsNamingIt_andIsNotRetried() {
    BlobSource lying = new BlobSource() {
      public InputStream open() {
        return new ByteArrayInputStream(new byte[3]);
      }

      public long length() {
        return 8;
      }

      public boolean repeatable() {
        return true;
      }
    };
    StorageException e = catchThrowableOfType(StorageException.class,
        () -> store.storeQuilt(List.of(QuiltFile.of("liar", lying)), StoreOptions.epochs(1)));

    assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("\"liar\" ended after 3 of its declared 8 bytes");
  }

  @Test
  void storeQuilt_badFiles_areRefusedBeforeAnythingIsSent() {
    BlobSource one = BlobSource.ofBytes(new byte[1]);
    assertThatThrownBy(() -> store.storeQuilt(List.of(), StoreOptions.epochs(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one file");
    assertThatThrownBy(() -> store.storeQuilt(List.of(QuiltFile.of("_metadata", one)), StoreOptions.epochs(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("_metadata").hasMessageContaining("'_'");
    assertThatThrownBy(() -> store.storeQuilt(List.of(QuiltFile.of("trailing ", one)), StoreOptions.epochs(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whitespace");
    assertThatThrownBy(() -> store.storeQuilt(List.of(QuiltFile.of("a\nb", one)), StoreOptions.epochs(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control character");
    assertThatThrownBy(() -> store.storeQuilt(List.of(QuiltFile.of("say \"hi\"", one)), StoreOptions.epochs(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multipart field name");
    assertThatThrownBy(() -> store.storeQuilt(List.of(QuiltFile.of("same", one), QuiltFile.of("same", one)),
        StoreOptions.epochs(1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> store.storeQuilt(List.of(new QuiltFile("big-tags", Map.of("k", "v".repeat(70_000)),
        one)), StoreOptions.epochs(1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("big-tags");
    List<QuiltFile> tooMany = new ArrayList<>();
    for (int i = 0; i <= 10_000; i++) {
      tooMany.add(QuiltFile.of("f" + i, one));
    }
    assertThatThrownBy(() -> store.storeQuilt(tooMany, StoreOptions.epochs(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 10000 files");
    assertThat(server.received()).isEmpty();
  }

  @Test
  void storeQuilt_hostileAnswers_areProtocolFailuresThatSayWhatIsWrong() {
    String a = "{\"identifier\":\"alpha.bin\",\"quiltPatchId\":\"" + patch(QUILT, 1) + "\"}";
    String m = "{\"identifier\":\"mid\",\"quiltPatchId\":\"" + patch(QUILT, 2) + "\"}";
    String z = "{\"identifier\":\"zeta.txt\",\"quiltPatchId\":\"" + patch(QUILT, 0) + "\"}";
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"blobStoreResult\":" + blobStoreResult() + "}", "no storedQuiltBlobs array");
    cases.put("{\"storedQuiltBlobs\":[]}", "no blobStoreResult object");
    cases.put(new String(quiltAnswer("[" + a + "," + m + "]")), "no patch for \"zeta.txt\"");
    cases.put(new String(quiltAnswer("[" + a + "," + m + "," + z + ",{\"identifier\":\"evil\",\"quiltPatchId\":\""
        + patch(QUILT, 3) + "\"}]")), "not sent: \"evil\"");
    cases.put(new String(quiltAnswer("[" + a + "," + a + "," + m + "," + z + "]")), "names \"alpha.bin\" again");
    cases.put(new String(quiltAnswer("[" + a + "," + m + ",{\"identifier\":\"zeta.txt\",\"quiltPatchId\":\""
        + patch(OTHER, 0) + "\"}]")), "names quilt " + OTHER);
    cases.put(new String(quiltAnswer("[" + a + "," + m + ",{\"identifier\":\"zeta.txt\",\"quiltPatchId\":\""
        + patch(QUILT, 0).substring(1) + "\"}]")), "is not a quilt patch id");
    cases.put(new String(quiltAnswer("[" + a + "," + m + ",{\"identifier\":\"zeta.txt\",\"quiltPatchId\":7}]")),
        "quiltPatchId is not a string");
    cases.put(new String(quiltAnswer("[" + a + "," + m + ",{\"quiltPatchId\":\"" + patch(QUILT, 0) + "\"}]")),
        "identifier is missing");
    cases.put("[1]", "not an object");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      server.then("PUT", bytes(200, c.getKey().getBytes(StandardCharsets.UTF_8)));
      StorageException e = catchThrowableOfType(StorageException.class,
          () -> store.storeQuilt(threeFiles(), StoreOptions.epochs(1)));
      assertThat(e).as(c.getKey()).isNotNull();
      assertThat(e.reason()).as(c.getKey()).isEqualTo(Reason.PROTOCOL);
      assertThat(e).as(c.getKey()).hasMessageContaining(c.getValue());
    }
  }

  @Test
  void storeQuilt_anErrorAnswer_isMappedAsForABlob() {
    server.then("PUT", fixture(413, "error-413.json"));
    StorageException e = catchThrowableOfType(StorageException.class,
        () -> store.storeQuilt(threeFiles(), StoreOptions.epochs(1)));
    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
    assertThat(e.httpStatus()).isEqualTo(413);
  }

  // ---------------------------------------------------------------- readPatch

  @Test
  void readPatch_byId_streamsTheBody_andReportsTheHeaders() throws Exception {
    QuiltPatchId id = QuiltPatchId.ofPatch(QUILT, 3);
    server.then("GET", bytes(200, "patch!".getBytes(), "Content-Type", "text/plain", "X-Quilt-Patch-Identifier",
        "notes.txt", "Content-Disposition", "inline", "ETag", "\"" + id + "\"", "Authorization", "leak"));

    try (PatchStream in = store.readPatch(id)) {
      assertThat(in.readAllBytes()).isEqualTo("patch!".getBytes());
      assertThat(in.identifier()).isEqualTo("notes.txt");
      assertThat(in.length()).isEqualTo(6);
      assertThat(in.headerTags()).isEqualTo(Map.of("content-type", "text/plain", "content-disposition", "inline"));
    }
    assertThat(server.received().get(0).path()).isEqualTo("/v1/blobs/by-quilt-patch-id/" + id);
  }

  @Test
  void readPatch_theDefaultContentType_isNoTag() throws Exception {
    server.then("GET", bytes(200, new byte[2], "Content-Type", "application/octet-stream"));
    try (PatchStream in = store.readPatch(QuiltPatchId.ofPatch(QUILT, 0))) {
      assertThat(in.headerTags()).isEmpty();
      assertThat(in.identifier()).isNull();
    }
  }

  @Test
  void readPatch_byIdentifier_percentEncodesItAsOnePathSegment() throws Exception {
    server.otherwise("GET", bytes(200, new byte[1]));
    try (InputStream in = store.readPatch(QUILT, "dir/a b+é%.txt")) {
      in.readAllBytes();
    }
    assertThat(server.received().get(0).path())
        .isEqualTo("/v1/blobs/by-quilt-id/" + QUILT + "/dir%2Fa%20b%2B%C3%A9%25.txt");
  }

  @Test
  void readPatch_byIdentifier_refusesWhatNoPathCanCarry() {
    assertThatThrownBy(() -> store.readPatch(QUILT, "..")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("read it by its patch id");
    assertThatThrownBy(() -> store.readPatch(QUILT, "")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.readPatch(QUILT, "_x")).isInstanceOf(IllegalArgumentException.class);
    assertThat(server.received()).isEmpty();
  }

  @Test
  void readPatch_quiltPatchNotFound_isBlobNotFound_andNotRetriedForAQuiltNotUploadedHere() {
    server.then("GET", bytes(404, ("{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\",\"message\":\"the quilt patch"
        + " is not found\",\"details\":[{\"@type\":\"ErrorInfo\",\"reason\":\"QUILT_PATCH_NOT_FOUND\"}]}}")
        .getBytes()));
    StorageException e = catchThrowableOfType(StorageException.class,
        () -> store.readPatch(QuiltPatchId.ofPatch(QUILT, 9)));
    assertThat(e.reason()).isEqualTo(Reason.BLOB_NOT_FOUND);
    assertThat(e).hasMessageContaining("QUILT_PATCH_NOT_FOUND").hasMessageContaining("(1 attempt)");
  }

  @Test
  void readPatch_404ForAQuiltJustUploaded_isRetried() throws Exception {
    server.then("PUT", bytes(200, quiltAnswer(threeStored())));
    QuiltStoreResult r = store.storeQuilt(threeFiles(), StoreOptions.epochs(1));
    server.then("GET", fixture(404, "error-404.json"), bytes(200, "zz".getBytes()));

    try (InputStream in = store.readPatch(r.patches().get(0).patchId())) {
      assertThat(in.readAllBytes()).isEqualTo("zz".getBytes());
    }
    assertThat(server.received("GET")).hasSize(2);
  }

  @Test
  void readPatch_aBodyCutShort_failsInsteadOfEndingEarly() {
    server.then("GET", (ex, r) -> {
      ex.getResponseHeaders().add("Content-Length", "10");
      ex.sendResponseHeaders(200, 10);
      ex.getResponseBody().write(new byte[4]);
      ex.getResponseBody().flush();
      ex.close();
    });
    assertThatThrownBy(() -> {
      try (InputStream in = store.readPatch(QuiltPatchId.ofPatch(QUILT, 0))) {
        in.readAllBytes();
      }
    }).isInstanceOf(IOException.class);
  }

  // ---------------------------------------------------------------- listPatches

  @Test
  void listPatches_readsWalrusItems_withTagsOrWithout() throws Exception {
    server.then("GET", bytes(200, ("[{\"identifier\":\"a\",\"patch_id\":\"" + patch(QUILT, 0) + "\",\"tags\":"
        + "{\"k\":\"v\"}},{\"identifier\":\"b\",\"patchId\":\"" + patch(QUILT, 1) + "\",\"size\":3}]").getBytes(),
        "Content-Type", "application/json"));

    List<QuiltPatch> list = store.listPatches(QUILT);

    assertThat(list).containsExactly(new QuiltPatch("a", QuiltPatchId.ofPatch(QUILT, 0), Map.of("k", "v")),
        new QuiltPatch("b", QuiltPatchId.ofPatch(QUILT, 1), Map.of()));
    assertThat(server.received().get(0).path()).isEqualTo("/v1/quilts/" + QUILT + "/patches");
  }

  @Test
  void listPatches_hostileLists_areProtocolFailures() {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"patches\":[]}", "not an array");
    cases.put("[{\"identifier\":\"a\",\"patch_id\":\"" + patch(OTHER, 0) + "\"}]", "names quilt " + OTHER);
    cases.put("[{\"identifier\":\"a\",\"patch_id\":\"" + patch(QUILT, 0) + "\",\"tags\":{\"k\":1}}]",
        "tags.k is not a string");
    cases.put("[{\"identifier\":\"a\",\"patch_id\":\"" + patch(QUILT, 0) + "\",\"tags\":[]}]", "tags is not an object");
    cases.put("[{\"identifier\":\"a\",\"patch_id\":\"short\"}]", "is not a quilt patch id");
    cases.put("[", "not JSON");
    cases.put("", "empty");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      server.then("GET", bytes(200, c.getKey().getBytes(StandardCharsets.UTF_8)));
      StorageException e = catchThrowableOfType(StorageException.class, () -> store.listPatches(QUILT));
      assertThat(e).as(c.getKey()).isNotNull();
      assertThat(e.reason()).as(c.getKey()).isEqualTo(Reason.PROTOCOL);
      assertThat(e).as(c.getKey()).hasMessageContaining(c.getValue());
    }
  }

  @Test
  void listPatches_unknownQuilt_isBlobNotFound() {
    server.then("GET", fixture(404, "error-404.json"));
    StorageException e = catchThrowableOfType(StorageException.class, () -> store.listPatches(OTHER));
    assertThat(e.reason()).isEqualTo(Reason.BLOB_NOT_FOUND);
    assertThat(Collections.frequency(server.received().stream().map(Received::method).toList(), "GET")).isEqualTo(1);
  }
}
