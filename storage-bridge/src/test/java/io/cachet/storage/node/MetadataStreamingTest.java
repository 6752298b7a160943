package io.cachet.storage.node;

import static io.cachet.storage.node.NodeFixture.assertError;
import static io.cachet.storage.node.NodeFixture.commitPath;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.node.NodeFixture.Blob;
import io.cachet.storage.node.NodeFixture.Resp;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node takes blob metadata (commit and repair install bodies) through a temporary file, never
 * whole in memory: metadata far larger than the node's in-memory bound is installed and served
 * back byte for byte; a tampered, truncated, oversized or torn body is refused with the one error
 * shape and leaves no file behind; a restart removes a half-written one.
 */
class MetadataStreamingTest {
  private static final int ME = 4;
  /** The most metadata body bytes a node may hold in memory at once: its write queue and one network chunk. */
  private static final long MEMORY_BOUND = MetadataBodies.WRITE_QUEUE_BYTES + ShardBodies.MAX_CHUNK_BYTES;
  private static Vertx vertx;

  @TempDir
  Path root;
  private NodeFixture fx;
  private StorageNode node;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void startNode() throws Exception {
    fx = new NodeFixture(vertx, root);
    node = fx.start(ME);
  }

  @AfterEach
  void stopNodes() throws Exception {
    fx.close();
  }

  /** Metadata of {@code bytes} or more, with random digests (an install needs no shards). */
  private Blob bigBlob(long bytes, long seed) {
    var encoding = fx.network.encoding();
    long stripes = bytes / ((long) encoding.n() * 32) + 1;
    long length = stripes * encoding.k() * encoding.shardSize();
    byte[] digests = new byte[(int) (encoding.stripes(length) * encoding.n() * 32)];
    new Random(seed).nextBytes(digests);
    return new Blob(BlobMetadata.of(encoding, length, digests), new byte[0][][]);
  }

  private static byte[] installBody(AvailabilityCertificate certificate, byte[] metadata) {
    byte[] json = certificate.toJson().toBuffer().getBytes();
    return ByteBuffer.allocate(4 + json.length + metadata.length).putInt(json.length).put(json).put(metadata).array();
  }

  private Resp install(String blobId, byte[] body) throws Exception {
    return fx.put(node, "/v1/blobs/" + blobId, body);
  }

  private void assertNoIncomingFiles() throws Exception {
    try (Stream<Path> left = Files.list(fx.dir(ME).resolve(NodeStore.INCOMING))) {
      assertThat(left).isEmpty();
    }
  }

  private void assertNothingStored() throws Exception {
    try (Stream<Path> blobs = Files.list(fx.dir(ME).resolve(NodeStore.BLOBS))) {
      assertThat(blobs).isEmpty();
    }
    assertThat(fx.get(node, "/v1/blobs").json().getJsonArray("blobs")).isEmpty();
  }

  @Test
  void installOfMetadataFarLargerThanTheMemoryBound_isStreamed_andServedBackByteForByte() throws Exception {
    Blob big = bigBlob(8 * MEMORY_BOUND, 1);
    byte[] metadata = big.metadata().toBytes();
    assertThat((long) metadata.length).isGreaterThan(8 * MEMORY_BOUND);
    AvailabilityCertificate certificate = fx.certificate(big, 20, 0, 1, 2, 3, 5);

    Resp r = install(big.id().toString(), installBody(certificate, metadata));

    assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(204);
    assertThat(node.metadataBodyBytesHighWater()).isPositive().isLessThanOrEqualTo(MEMORY_BOUND);
    Resp served = fx.get(node, "/v1/blobs/" + big.id() + "/metadata");
    assertThat(served.status()).isEqualTo(200);
    assertThat(served.header("X-Cachet-End-Epoch")).isEqualTo("20");
    assertThat(Arrays.equals(served.body(), metadata)).as("metadata served back").isTrue();
    assertNoIncomingFiles();
    // a large commit body streams through the same bound (refused after reading: the node lacks the shards)
    assertError(fx.postBytes(node, commitPath("nothing", 20), metadata), 409, "INCOMPLETE_UPLOAD");
    assertThat(node.metadataBodyBytesHighWater()).isLessThanOrEqualTo(MEMORY_BOUND);
    assertNoIncomingFiles();
  }

  @Test
  void largeBodiesSentAtOnce_arriveWhole_whileTheirSignaturesAreCheckedOnWorkers() throws Exception {
    List<CompletableFuture<Resp>> sent = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      byte[] metadata = bigBlob(4 * MEMORY_BOUND, 10 + i).metadata().toBytes();
      String path = commitPath("none-" + i, 20);
      sent.add(fx.sendAsync(fx.signed(HttpRequest.newBuilder(NodeFixture.uri(node, path)), fx.publisher, "POST", path,
          metadata).header("content-type", "application/octet-stream")
          .POST(HttpRequest.BodyPublishers.ofByteArray(metadata)).build()));
    }
    for (CompletableFuture<Resp> r : sent) {
      // read whole and matching its signed digest (a lost chunk would be BODY_MISMATCH), then refused
      assertError(r.get(60, TimeUnit.SECONDS), 404, "UPLOAD_NOT_FOUND");
    }
    assertThat(node.metadataBodyBytesHighWater()).isLessThanOrEqualTo(8 * MEMORY_BOUND);
    assertNoIncomingFiles();
  }

  @Test
  void tamperedOrTruncatedMetadata_isRefused_andLeavesNothingBehind() throws Exception {
    Blob blob = fx.blob(9000, 2);
    AvailabilityCertificate certificate = fx.certificate(blob, 20, 0, 1, 2, 3, 5);
    byte[] tampered = blob.metadata().toBytes();
    tampered[tampered.length - 3] ^= 1;
    assertError(install(blob.id().toString(), installBody(certificate, tampered)), 400, "BAD_METADATA");
    byte[] truncated = Arrays.copyOf(blob.metadata().toBytes(), blob.metadata().toBytes().length - 5);
    assertError(install(blob.id().toString(), installBody(certificate, truncated)), 400, "BAD_METADATA");
    byte[] unknownVersion = blob.metadata().toBytes();
    unknownVersion[4] = 9;
    String message = assertError(install(blob.id().toString(), installBody(certificate, unknownVersion)), 400,
        "BAD_METADATA");
    assertThat(message).contains("version 9").doesNotContain(root.toString());

    fx.upload(node, ME, "up", blob);
    byte[] commitTampered = blob.metadata().toBytes();
    commitTampered[BlobMetadata.HEADER_BYTES + ME * 32 + 7] ^= 1; // this node's digest of stripe 0
    assertError(fx.postBytes(node, commitPath("up", 20), commitTampered), 400, "DIGEST_MISMATCH");

    // the body changed after the publisher signed it
    String path = "/v1/blobs/" + blob.id();
    byte[] signed = installBody(certificate, blob.metadata().toBytes());
    byte[] sent = signed.clone();
    sent[sent.length - 1] ^= 1;
    assertError(fx.send(fx.signed(HttpRequest.newBuilder(NodeFixture.uri(node, path)), fx.publisher, "PUT", path,
        signed).header("content-type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(sent))
        .build()), 400, "BODY_MISMATCH");

    assertNoIncomingFiles();
    assertNothingStored();
    // the upload is still open: the right metadata commits it
    assertThat(fx.commit(node, "up", blob, 20).status()).isEqualTo(200);
  }

  @Test
  void oversizedMetadataBodies_areRefused413_beforeTheyAreRead() throws Exception {
    Blob blob = fx.blob(3000, 3);
    String install = "/v1/blobs/" + blob.id();
    try (Socket s = openBody("PUT", install, RequestBodies.MAX_INSTALL_BYTES + 1)) {
      assertThat(statusLine(s.getInputStream())).contains(" 413 ");
    }
    try (Socket s = openBody("POST", commitPath("up", 20), BlobMetadata.MAX_BYTES + 1L)) {
      assertThat(statusLine(s.getInputStream())).contains(" 413 ");
    }
    assertNoIncomingFiles();
    assertNothingStored();
  }

  @Test
  void aTornMetadataBody_leavesNoTemporaryFile() throws Exception {
    Blob big = bigBlob(4 * MEMORY_BOUND, 4);
    byte[] body = installBody(fx.certificate(big, 20, 0, 1, 2, 3, 5), big.metadata().toBytes());
    try (Socket s = openBody("PUT", "/v1/blobs/" + big.id(), body.length, body)) {
      OutputStream out = s.getOutputStream();
      out.write(body, 0, body.length / 2);
      out.flush();
      // the node has started a temporary file for it
      awaitIncoming(1);
    }
    awaitIncoming(0);
    assertNothingStored();
    assertThat(fx.get(node, "/health").status()).isEqualTo(200);
  }

  @Test
  void restart_removesHalfWrittenMetadataFiles() throws Exception {
    fx.stop(node);
    Path incoming = fx.dir(ME).resolve(NodeStore.INCOMING);
    Files.write(incoming.resolve("0123abcd.tmp"), new byte[1000]);

    node = fx.start(ME);

    assertNoIncomingFiles();
  }

  private void awaitIncoming(int count) throws Exception {
    Path incoming = fx.dir(ME).resolve(NodeStore.INCOMING);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long seen;
    do {
      try (Stream<Path> files = Files.list(incoming)) {
        seen = files.count();
      }
      if (seen == count) {
        return;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    assertThat(seen).as("files in incoming/").isEqualTo(count);
  }

  /** A raw connection that sent a signed write's headers (signed over {@code signedBody}) and no body yet. */
  private Socket openBody(String method, String path, long length, byte[] signedBody) throws Exception {
    Socket s = new Socket("127.0.0.1", node.actualPort());
    s.setSoTimeout(30_000);
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n");
    WriteSignature.sign(fx.publisher, method, path, fx.now.get(),
        WriteSignature.bodyDigest(signedBody, 0, signedBody.length))
        .forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("\r\n");
    s.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  private Socket openBody(String method, String path, long length) throws Exception {
    return openBody(method, path, length, new byte[0]);
  }

  private static String statusLine(InputStream in) throws Exception {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      line.append((char) c);
    }
    return line.toString();
  }
}
