package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.walrus.RetryPolicy;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The gateway's limits and its answers to malformed requests, over raw HTTP and through the client.
 * Its time goes to refused uploads' connections closing, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("GatewayLimitsTest")
class GatewayLimitsTest {
  static final int SHARD = 4096;
  static final int MAX = 100_000;

  @TempDir Path root;
  LocalNet net;

  @BeforeEach
  void up() {
    net = LocalNet.start(root, LocalNetwork.Options.defaults().withNodes(LocalNet.N, SHARD).withIntervals(0, 0)
        .withMaxBlobSize(MAX));
  }

  @AfterEach
  void down() {
    net.close();
  }

  private int port() {
    return URI.create(net.net.gatewayUrl()).getPort();
  }

  private HttpResponse<byte[]> put(String query, byte[] body) {
    return net.send(HttpRequest.newBuilder(URI.create(net.net.gatewayUrl() + "/v1/blobs" + query))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** A raw HTTP exchange: what came back before the server closed, as text. */
  record Raw(int status, String head, String body) {}

  private static Raw parse(byte[] bytes) {
    String all = new String(bytes, StandardCharsets.ISO_8859_1);
    int end = all.indexOf("\r\n\r\n");
    assertThat(end).as("a response head in %s", all).isPositive();
    String head = all.substring(0, end);
    return new Raw(Integer.parseInt(head.substring(9, 12)), head, all.substring(end + 4));
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (java.net.SocketTimeoutException e) {
      throw new AssertionError("the gateway kept the connection open after answering: "
          + out.toString(StandardCharsets.ISO_8859_1), e);
    } catch (IOException e) {
      // A reset after the answer: keep what arrived.
      if (out.size() == 0) {
        throw e;
      }
    }
    return out.toByteArray();
  }

  private void assertNoUploadsLeft() throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    for (int i = 0; i < LocalNet.N; i++) {
      while (true) {
        List<Path> open;
        try (Stream<Path> s = Files.list(net.net.nodeDir(i).resolve("uploads"))) {
          open = s.toList();
        }
        if (open.isEmpty()) {
          break;
        }
        assertThat(System.nanoTime()).as("node %d still has uploads %s", i, open).isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(net.listed(i)).isEmpty();
    }
  }

  // ---------------------------------------------------------------- size limit

  @Test
  void declaredLengthOverTheLimitIs413NamingTheLimit() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
          + "Content-Length: " + (MAX + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Raw r = parse(readAll(s.getInputStream()));
      assertThat(r.status()).isEqualTo(413);
      JsonObject error = new JsonObject(r.body()).getJsonObject("error");
      assertThat(error.getString("message")).contains(Integer.toString(MAX));
      assertThat(error.getJsonArray("details").getJsonObject(0).getString("reason")).isEqualTo("TOO_LARGE");
    }
    assertNoUploadsLeft();
  }

  @Test
  void overTheLimitThroughTheClientIsTooLargeNamingTheLimit() throws Exception {
    byte[] big = LocalNet.random(MAX + 1, 1);
    // Known length: refused from the header, before any byte is stored.
    StorageException sized = catchThrowableOfType(() -> net.store(big, 1), StorageException.class);
    assertThat(sized.reason()).as(sized.getMessage()).isEqualTo(StorageException.Reason.TOO_LARGE);
    assertThat(sized.httpStatus()).isEqualTo(413);
    assertThat(sized.getMessage()).contains(Integer.toString(MAX));
    // Unknown length (chunked): refused once the body passes the limit.
    StorageException chunked = catchThrowableOfType(() -> net.store.store(
        BlobSource.ofStream(new ByteArrayInputStream(LocalNet.random(3 * MAX, 2)), -1), StoreOptions.epochs(1)),
        StorageException.class);
    assertThat(chunked.reason()).as(chunked.getMessage()).isEqualTo(StorageException.Reason.TOO_LARGE);
    assertThat(chunked.getMessage()).contains(Integer.toString(MAX));
    assertNoUploadsLeft();
    // The limit itself is fine, both ways.
    byte[] exactly = LocalNet.random(MAX, 3);
    assertThat(net.read(net.store(exactly, 1).blobId())).isEqualTo(exactly);
    byte[] exactly2 = LocalNet.random(MAX, 4);
    BlobId id2 = net.store.store(BlobSource.ofStream(new ByteArrayInputStream(exactly2), -1), StoreOptions.epochs(1))
        .blobId();
    assertThat(net.read(id2)).isEqualTo(exactly2);
  }

  @Test
  void chunkedBodyOverTheLimitIs413Raw() throws Exception {
    // More refusals than the publisher takes uploads at once (4): each gives its slot back.
    for (int round = 0; round < 6; round++) {
      chunkedOverTheLimit();
    }
    assertNoUploadsLeft();
    byte[] data = LocalNet.random(MAX, 9);
    assertThat(net.read(net.store(data, 1).blobId())).isEqualTo(data);
  }

  private void chunkedOverTheLimit() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(("PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = LocalNet.random(10_000, 5);
      int sent = 0;
      try {
        // Send until the answer shows up; the server stops reading once it refused.
        while (in.available() == 0 && sent < 10 * MAX) {
          out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(chunk);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          sent += chunk.length;
          Thread.sleep(2);
        }
      } catch (IOException e) {
        // The server closed after answering.
      }
      Raw r = parse(readAll(in));
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.body()).contains(Integer.toString(MAX)).contains("TOO_LARGE");
      assertThat(r.head()).containsIgnoringCase("connection: close");
    }
  }

  // ---------------------------------------------------------------- malformed requests

  @Test
  void badBlobIdsAre400AndUnknownOnes404() {
    for (String bad : List.of("abc", "A".repeat(42), "A".repeat(44), "*".repeat(43), "A".repeat(42) + "=",
        "A".repeat(42) + "%2F", "A".repeat(42) + "+")) {
      LocalNet.assertError(net.gatewayGet("/v1/blobs/" + bad), 400, "INVALID_ARGUMENT");
      LocalNet.assertError(net.gatewayGet("/v1/blobs/" + bad + "/byte-range?start=0&length=1"), 400,
          "INVALID_ARGUMENT");
    }
    String unknown = BlobId.of(LocalNet.random(32, 9)).toString();
    HttpResponse<byte[]> r = net.gatewayGet("/v1/blobs/" + unknown);
    String message = LocalNet.assertError(r, 404, "BLOB_NOT_FOUND");
    assertThat(message).contains(unknown);
    JsonObject error = new JsonObject(new String(r.body(), StandardCharsets.UTF_8)).getJsonObject("error");
    assertThat(error.getString("status")).isEqualTo("NOT_FOUND");
    assertThat(error.getJsonArray("details").getJsonObject(0).getString("domain")).isNotBlank();
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
    LocalNet.assertError(net.gatewayGet("/v1/blobs/" + unknown, "Range", "bytes=0-5"), 404, "BLOB_NOT_FOUND");
    LocalNet.assertError(net.gatewayGet("/v1/blobs/" + unknown + "/byte-range?start=0&length=1"), 404,
        "BLOB_NOT_FOUND");
    LocalNet.assertError(net.gatewayGet("/v1/blobs/by-object-id/0x1234"), 404, "BLOB_NOT_FOUND");
    StorageException e = catchThrowableOfType(() -> net.read(BlobId.parse(unknown)), StorageException.class);
    assertThat(e.reason()).isEqualTo(StorageException.Reason.BLOB_NOT_FOUND);
    // Not the API at all: still the one error shape.
    LocalNet.assertError(net.gatewayGet("/v2/nothing"), 404, "NOT_FOUND");
    LocalNet.assertError(net.send(HttpRequest.newBuilder(URI.create(net.net.gatewayUrl() + "/v1/blobs/" + unknown))
        .DELETE()), 405, "METHOD_NOT_ALLOWED");
  }

  @Test
  void contradictoryOrMalformedFlagsAre400AndStoreNothing() throws Exception {
    byte[] data = LocalNet.random(1000, 6);
    for (String q : List.of("?epochs=1&permanent=true&deletable=true", "?epochs=1&permanent&deletable",
        "?epochs=1&send_object_to=0x1&share=true", "?epochs=1&permanent=yes", "?epochs=1&force=1",
        "?epochs=1&deletable=maybe")) {
      // both flags at once is Walrus's INVALID_BLOB_PERSISTENCE; the rest are plain bad arguments
      String message = LocalNet.assertError(put(q, data), 400,
          q.contains("permanent") && q.contains("deletable") ? "INVALID_BLOB_PERSISTENCE" : "INVALID_ARGUMENT");
      assertThat(message).as(q).isNotBlank();
    }
    assertNoUploadsLeft();
    // Each flag alone is fine.
    assertThat(put("?epochs=1&permanent=true", data).statusCode()).isEqualTo(200);
    assertThat(put("?epochs=1&deletable=true", data).statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- answers

  @Test
  void zeroLengthBlobStoresAndReadsBack() throws Exception {
    StoreResult r = net.store(new byte[0], 2);
    assertThat(r.size()).isZero();
    assertThat(r.alreadyCertified()).isFalse();
    assertThat(net.read(r.blobId())).isEmpty();
    HttpResponse<byte[]> raw = net.gatewayGet("/v1/blobs/" + r.blobId());
    assertThat(raw.statusCode()).isEqualTo(200);
    assertThat(raw.headers().firstValue("Content-Length")).contains("0");
    // the put returned once 2f + 1 nodes confirmed; on a loaded machine the rest may still be receiving
    net.awaitOnEveryNode(r.blobId());
    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(net.listed(i)).containsExactly(r.blobId().toString());
    }
    // The same empty blob again, raw, with no body at all.
    HttpResponse<byte[]> again = net.send(HttpRequest.newBuilder(URI.create(net.net.gatewayUrl() + "/v1/blobs?epochs=1"))
        .PUT(HttpRequest.BodyPublishers.noBody()));
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(new String(again.body())).contains("alreadyCertified").contains(r.blobId().toString());
    // Repair and audit have nothing to rebuild in it.
    assertThat(LocalNet.await(net.net.gateway().repairNow()).totalRepaired()).isZero();
    assertThat(LocalNet.await(net.net.gateway().challenge(3, r.blobId(), -1)).passed()).isTrue();
  }

  @Test
  void reStoreIsAlreadyCertifiedUnlessForced() throws Exception {
    byte[] data = LocalNet.random(5 * 3 * SHARD + 1, 7);
    StoreResult first = net.store(data, 3);
    assertThat(first.alreadyCertified()).isFalse();
    assertThat(first.objectId()).isNotNull();
    StoreResult again = net.store(data, 3);
    assertThat(again.alreadyCertified()).isTrue();
    assertThat(again.blobId()).isEqualTo(first.blobId());
    assertThat(again.endEpoch()).isEqualTo(first.endEpoch());
    StoreResult forced = net.store.store(BlobSource.ofBytes(data), new StoreOptions(3, false, true));
    assertThat(forced.alreadyCertified()).isFalse();
    assertThat(forced.blobId()).isEqualTo(first.blobId());
    assertThat(forced.objectId()).isNotNull().isNotEqualTo(first.objectId());
    HttpResponse<byte[]> raw = put("?epochs=3&force=true", data);
    assertThat(raw.statusCode()).isEqualTo(200);
    JsonObject created = new JsonObject(new String(raw.body())).getJsonObject("newlyCreated");
    assertThat(created.getJsonObject("blobObject").getString("blobId")).isEqualTo(first.blobId().toString());
    assertThat(created.getJsonObject("blobObject").getLong("size")).isEqualTo(data.length);
    assertThat(net.read(first.blobId())).isEqualTo(data);
    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(net.listed(i)).containsExactly(first.blobId().toString());
    }
  }

  // ---------------------------------------------------------------- clients that go away

  @Test
  void clientsThatHangUpMidUploadDoNotUseUpThePublisher() throws Exception {
    // More hang-ups than the publisher takes uploads at once (4): each must give its slot back.
    for (int round = 0; round < 6; round++) {
      try (Socket s = new Socket("127.0.0.1", port())) {
        OutputStream out = s.getOutputStream();
        out.write(("PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 90000\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.write(LocalNet.random(40_000, round)); // more than a stripe, less than the body
        out.flush();
        Thread.sleep(100);
      } // closed: the body never ends
    }
    byte[] data = LocalNet.random(50_000, 8);
    assertThat(net.read(net.store(data, 1).blobId())).isEqualTo(data);
    assertNoUploadsLeftBut(1);
  }

  @Test
  void uploadsBeyondTheConcurrencyLimitAre429WithRetryAfterAndTheOthersComplete() throws Exception {
    // Four uploads hold the publisher (its limit), each stalled half way through its body; four
    // clients, since one client may hold only Gateway.DEFAULT_UPLOADS_PER_CLIENT of them.
    List<Socket> slow = new java.util.ArrayList<>();
    List<byte[]> bodies = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        byte[] body = LocalNet.random(60_000, 30 + i);
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port(), InetAddress.getByName("127.0.0." + (2 + i)), 0);
        s.setSoTimeout(20_000);
        s.getOutputStream().write(("PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(body, 0, 30_000);
        s.getOutputStream().flush();
        slow.add(s);
        bodies.add(body);
      }
      Thread.sleep(200);
      HttpResponse<byte[]> busy = put("?epochs=1", LocalNet.random(10, 40));
      String message = LocalNet.assertError(busy, 429, "RESOURCE_EXHAUSTED");
      assertThat(message).contains("4 uploads");
      assertThat(busy.headers().firstValue("Retry-After")).contains("1");
      // The stalled uploads finish and are stored.
      for (int i = 0; i < 4; i++) {
        OutputStream out = slow.get(i).getOutputStream();
        out.write(bodies.get(i), 30_000, 30_000);
        out.flush();
      }
      for (int i = 0; i < 4; i++) {
        InputStream in = slow.get(i).getInputStream();
        byte[] head = new byte[12];
        assertThat(in.readNBytes(head, 0, 12)).isEqualTo(12);
        assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
      }
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
    for (byte[] body : bodies) {
      StoreResult again = net.store(body, 1);
      assertThat(again.alreadyCertified()).isTrue();
      assertThat(net.read(again.blobId())).isEqualTo(body);
    }
  }

  @Test
  void sameBlobStoredConcurrentlyEndsConsistent() throws Exception {
    byte[] data = LocalNet.random(7 * 3 * SHARD + 11, 50); // under MAX
    List<java.util.concurrent.CompletableFuture<StoreResult>> stores = new java.util.ArrayList<>();
    // One client may have only Gateway.DEFAULT_UPLOADS_PER_CLIENT uploads at once: this one waits
    // out the 429s as a real client does (it honours Retry-After).
    WalrusBlobStore patient = new WalrusBlobStore(WalrusConfig.builder().publisher(net.net.gatewayUrl())
        .aggregator(net.net.gatewayUrl()).requestTimeout(java.time.Duration.ofSeconds(60))
        .retry(RetryPolicy.builder().maxAttempts(30).maxRetryAfter(java.time.Duration.ofSeconds(2)).build()).build());
    for (int i = 0; i < 4; i++) {
      stores.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return patient.store(BlobSource.ofBytes(data), StoreOptions.epochs(2));
        } catch (StorageException e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      }));
    }
    BlobId id = null;
    for (var f : stores) {
      StoreResult r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      id = id == null ? r.blobId() : id;
      assertThat(r.blobId()).isEqualTo(id);
      assertThat(r.endEpoch()).isEqualTo(2);
    }
    patient.close();
    assertThat(net.read(id)).isEqualTo(data);
    for (int i = 0; i < LocalNet.N; i++) {
      assertThat(net.listed(i)).containsExactly(id.toString());
      assertThat(net.nodeJson(i, "/v1/blobs/" + id + "/health").getJsonArray("bad")).isEmpty();
    }
    assertNoUploadsLeftBut(1);
  }

  private void assertNoUploadsLeftBut(int blobs) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    for (int i = 0; i < LocalNet.N; i++) {
      while (true) {
        List<Path> open;
        try (Stream<Path> s = Files.list(net.net.nodeDir(i).resolve("uploads"))) {
          open = s.toList();
        }
        if (open.isEmpty()) {
          break;
        }
        assertThat(System.nanoTime()).as("node %d still has uploads %s", i, open).isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(net.listed(i)).hasSize(blobs);
    }
  }
}
