package io.cachet.storage.node;

import static io.cachet.storage.node.NodeFixture.assertError;
import static io.cachet.storage.node.NodeFixture.commitPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.storage.BlobId;
import io.cachet.storage.gateway.NodeCallException;
import io.cachet.storage.gateway.NodeClient;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.NodeFixture.Blob;
import io.cachet.storage.node.NodeFixture.Resp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes to a real node are taken only from a trusted publisher's signature over this method, path,
 * time, nonce and body: unsigned, wrongly signed, replayed, moved or stale writes are refused and
 * store nothing; an outsider cannot extend a lifetime; shard bodies stay within their budget.
 */
class SignedWritesTest {
  private static final int ME = 4;
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

  private HttpRequest.Builder to(String path) {
    return HttpRequest.newBuilder(NodeFixture.uri(node, path));
  }

  private static HttpRequest.Builder put(HttpRequest.Builder b, byte[] body) {
    return b.header("content-type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  /** The fixture's network with every node at this test's one node, for a gateway's NodeClient. */
  private NetworkConfig networkOfThisNode() {
    List<NodeInfo> infos = new ArrayList<>();
    for (int i = 0; i < NodeFixture.N; i++) {
      infos.add(new NodeInfo("node-" + i, i, "http://127.0.0.1:" + node.actualPort(), fx.keys.get(i).publicKey()));
    }
    return new NetworkConfig(infos, NodeFixture.SHARD, fx.network.epochs());
  }

  private void assertNothingStored() throws Exception {
    try (Stream<Path> uploads = Files.list(fx.dir(ME).resolve("uploads"));
        Stream<Path> blobs = Files.list(fx.dir(ME).resolve("blobs"))) {
      assertThat(uploads).isEmpty();
      assertThat(blobs).isEmpty();
    }
    assertThat(fx.get(node, "/v1/blobs").json().getJsonArray("blobs")).isEmpty();
  }

  @Test
  void unsignedWrites_areRefused401_andStoreNothing() throws Exception {
    Blob blob = fx.blob(3000, 1);
    String stripe = "/v1/uploads/u1/stripes/0";
    assertError(fx.send(put(to(stripe), blob.shard(0, ME)).build()), 401, "UNTRUSTED_PUBLISHER");
    assertError(fx.send(to(commitPath("u1", 15)).header("content-type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(blob.metadata().toBytes())).build()), 401,
        "UNTRUSTED_PUBLISHER");
    assertError(fx.send(to("/v1/uploads/u1").DELETE().build()), 401, "UNTRUSTED_PUBLISHER");
    assertError(fx.send(put(to("/v1/blobs/" + blob.id() + "/stripes/0"), blob.shard(0, ME)).build()), 401,
        "UNTRUSTED_PUBLISHER");
    assertError(fx.send(to("/v1/blobs/" + blob.id()).header("content-type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{}")).build()), 401, "UNTRUSTED_PUBLISHER");
    assertError(fx.send(to("/v1/blobs/" + blob.id() + "/certificate").header("content-type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(fx.certificate(blob, 15, 0, 1, 2, 3, 4).toJson().encode()))
        .build()), 401, "UNTRUSTED_PUBLISHER");
    assertNothingStored();
    // reads stay public
    assertThat(fx.get(node, "/v1/node").status()).isEqualTo(200);
  }

  @Test
  void writesSignedByAnUntrustedKey_orWithABrokenSignature_areRefused403_andStoreNothing() throws Exception {
    Blob blob = fx.blob(3000, 2);
    String path = "/v1/uploads/u2/stripes/0";
    byte[] shard = blob.shard(0, ME);
    NodeKey outsider = NodeKey.generate();
    assertError(fx.send(put(fx.signed(to(path), outsider, "PUT", path, shard), shard).build()), 403,
        "UNTRUSTED_PUBLISHER");
    // a trusted key's headers with one signature byte changed
    Map<String, String> headers = new java.util.HashMap<>(WriteSignature.sign(fx.publisher, "PUT", path, fx.now.get(),
        WriteSignature.bodyDigest(shard, 0, shard.length)));
    byte[] sig = NodeFixture.B64D.decode(headers.get(WriteSignature.SIGNATURE));
    sig[5] ^= 1;
    headers.put(WriteSignature.SIGNATURE, NodeFixture.B64.encodeToString(sig));
    HttpRequest.Builder b = to(path);
    headers.forEach(b::header);
    assertError(fx.send(put(b, shard).build()), 403, "UNTRUSTED_PUBLISHER");
    // garbled headers
    HttpRequest.Builder garbled = to(path);
    WriteSignature.sign(fx.publisher, "PUT", path, fx.now.get(), WriteSignature.bodyDigest(shard, 0, shard.length))
        .forEach((k, v) -> garbled.header(k, k.equals(WriteSignature.NONCE) ? "not base64!" : v));
    assertError(fx.send(put(garbled, shard).build()), 401, "UNTRUSTED_PUBLISHER");
    assertNothingStored();
  }

  @Test
  void aSignedWrite_replayed_isRefused_andTheSameHeadersFitNoOtherBlobStripeOrBody() throws Exception {
    Blob a = fx.blob(3 * 3 * NodeFixture.SHARD, 3);
    Blob b = fx.blob(3 * 3 * NodeFixture.SHARD, 4);
    String pathA = "/v1/uploads/blobA/stripes/0";
    byte[] shardA = a.shard(0, ME);
    Map<String, String> headers = WriteSignature.sign(fx.publisher, "PUT", pathA, fx.now.get(),
        WriteSignature.bodyDigest(shardA, 0, shardA.length));

    HttpRequest.Builder first = to(pathA);
    headers.forEach(first::header);
    assertThat(fx.send(put(first, shardA).build()).status()).isEqualTo(204);
    HttpRequest.Builder again = to(pathA);
    headers.forEach(again::header);
    assertError(fx.send(put(again, shardA).build()), 401, "REPLAYED_REQUEST");

    // the same signed headers on another upload, another stripe, or with blob B's bytes
    for (String other : List.of("/v1/uploads/blobB/stripes/0", "/v1/uploads/blobA/stripes/1")) {
      Map<String, String> fresh = WriteSignature.sign(fx.publisher, "PUT", pathA, fx.now.get(),
          WriteSignature.bodyDigest(shardA, 0, shardA.length));
      HttpRequest.Builder moved = to(other);
      fresh.forEach(moved::header);
      assertError(fx.send(put(moved, shardA).build()), 403, "UNTRUSTED_PUBLISHER");
    }
    Map<String, String> fresh = WriteSignature.sign(fx.publisher, "PUT", pathA, fx.now.get(),
        WriteSignature.bodyDigest(shardA, 0, shardA.length));
    HttpRequest.Builder swapped = to(pathA);
    fresh.forEach(swapped::header);
    assertError(fx.send(put(swapped, b.shard(0, ME)).build()), 400, "BODY_MISMATCH");

    // nothing of blob B arrived: its upload does not exist
    assertError(fx.commit(node, "blobB", b, 15), 404, "UPLOAD_NOT_FOUND");
    // upload A holds only its own stripe 0 (stripe 1 never came)
    assertError(fx.commit(node, "blobA", a, 15), 409, "INCOMPLETE_UPLOAD");
  }

  @Test
  void aWriteSignedOutsideTheReplayWindow_orBeforeTheNodeStarted_isRefused() throws Exception {
    fx.now.addAndGet(2 * PublisherTrust.REPLAY_WINDOW_MILLIS);
    fx.stop(node);
    node = fx.start(ME);
    String path = "/v1/uploads/late/stripes/0";
    byte[] shard = fx.blob(100, 5).shard(0, ME);
    byte[] digest = WriteSignature.bodyDigest(shard, 0, shard.length);
    for (long at : new long[] {fx.now.get() - PublisherTrust.REPLAY_WINDOW_MILLIS - 1,
        fx.now.get() + PublisherTrust.REPLAY_WINDOW_MILLIS + 1}) {
      HttpRequest.Builder b = to(path);
      WriteSignature.sign(fx.publisher, "PUT", path, at, digest).forEach(b::header);
      assertError(fx.send(put(b, shard).build()), 401, "STALE_REQUEST");
    }
    HttpRequest.Builder beforeStart = to(path);
    WriteSignature.sign(fx.publisher, "PUT", path, fx.now.get() - 1, digest).forEach(beforeStart::header);
    assertThat(assertError(fx.send(put(beforeStart, shard).build()), 401, "REQUEST_BEFORE_RESTART"))
        .contains("fresh timestamp");
    assertNothingStored();
  }

  @Test
  void aSignedWriteStampedAheadOfTheNodesClock_replayedAfterARestart_isRefused() throws Exception {
    String path = "/v1/uploads/ahead/stripes/0";
    byte[] shard = fx.blob(100, 8).shard(0, ME);
    long ahead = fx.now.get() + 60_000;
    Map<String, String> captured = WriteSignature.sign(fx.publisher, "PUT", path, ahead,
        WriteSignature.bodyDigest(shard, 0, shard.length));
    HttpRequest.Builder first = to(path);
    captured.forEach(first::header);
    assertThat(fx.send(put(first, shard).build()).status()).isEqualTo(204);

    fx.stop(node);
    fx.now.addAndGet(1000); // restarted long before the captured stamp
    node = fx.start(ME);
    HttpRequest.Builder replay = to(path);
    captured.forEach(replay::header);

    assertError(fx.send(put(replay, shard).build()), 401, "REQUEST_BEFORE_RESTART");
    // a write stamped after what the run before may have accepted is taken
    HttpRequest.Builder fresh = to(path);
    WriteSignature.sign(fx.publisher, "PUT", path, ahead + PublisherTrust.CEILING_STEP_MILLIS,
        WriteSignature.bodyDigest(shard, 0, shard.length)).forEach(fresh::header);
    assertThat(fx.send(put(fresh, shard).build()).status()).isEqualTo(204);
  }

  @Test
  void aWriteRefusedAsBeforeTheRestart_isSignedAgainByTheNodeClient_withAFreshTimestamp() throws Exception {
    NetworkConfig network = networkOfThisNode();
    // the first stamp predates the node's start (signed, then the node restarted); later ones are now
    AtomicInteger stamps = new AtomicInteger();
    long started = fx.now.get();
    NodeClient client = new NodeClient(vertx, network, 30_000, 1 << 20, fx.publisher,
        () -> stamps.getAndIncrement() == 0 ? started - 1 : fx.now.get());
    try {
      byte[] shard = fx.blob(100, 9).shard(0, ME);
      client.putStripe(ME, "resigned", 0, Buffer.buffer(shard), WriteSignature.bodyDigest(shard, 0, shard.length))
          .await(30, TimeUnit.SECONDS);
      assertThat(stamps.get()).as("signatures made").isEqualTo(2);
    } finally {
      client.close();
    }
  }

  @Test
  void writesAfterThePublisherKeyWasDestroyed_failAsTheGatewayStopping_withoutThrowing() throws Exception {
    // a stopped gateway destroys its key; an upload that outlives the stop gets failed futures
    NetworkConfig network = networkOfThisNode();
    NodeKey key = NodeKey.generate();
    NodeClient client = new NodeClient(vertx, network, 30_000, 1 << 20, key, fx.now::get);
    try {
      key.destroy();
      byte[] shard = fx.blob(100, 9).shard(0, ME);
      Future<Void> put = client.putStripe(ME, "late", 0, Buffer.buffer(shard), WriteSignature.bodyDigest(shard, 0,
          shard.length));
      assertThatThrownBy(() -> put.await(30, TimeUnit.SECONDS)).isInstanceOf(NodeCallException.class)
          .hasMessageContaining("the gateway is stopping");
      assertNothingStored();
    } finally {
      client.close();
    }
  }

  @Test
  void aRecommitByAnOutsider_doesNotExtendTheLifetime() throws Exception {
    Blob blob = fx.blob(3000, 6);
    fx.upload(node, ME, "mine", blob);
    assertThat(fx.commit(node, "mine", blob, 12).status()).isEqualTo(200);

    NodeKey outsider = NodeKey.generate();
    fx.upload(node, ME, "theirs", blob);
    String path = commitPath("theirs", 60);
    byte[] body = blob.metadata().toBytes();
    assertError(fx.send(fx.signed(to(path), outsider, "POST", path, body)
        .header("content-type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build()), 403, "UNTRUSTED_PUBLISHER");
    // nor a trusted commit's signature moved onto a longer end epoch
    HttpRequest.Builder b = to(path);
    WriteSignature.sign(fx.publisher, "POST", commitPath("theirs", 12), fx.now.get(),
        WriteSignature.bodyDigest(body, 0, body.length)).forEach(b::header);
    assertError(fx.send(b.header("content-type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build()), 403, "UNTRUSTED_PUBLISHER");

    assertThat(fx.get(node, "/v1/blobs/" + blob.id() + "/metadata").header("X-Cachet-End-Epoch")).isEqualTo("12");
  }

  @Test
  void shardBodies_ofOnePublisher_holdAtMostItsSlots_andTheRestGet503() throws Exception {
    BlobId none = fx.blob(100, 7).id();
    List<Socket> held = new ArrayList<>();
    try {
      // Headers of full-size shard bodies whose bytes never come: each holds a slot.
      for (int i = 0; i < ShardBodies.MAX_BODIES_PER_PUBLISHER; i++) {
        held.add(openBody(node, "/v1/uploads/slow" + i + "/stripes/0", NodeFixture.SHARD));
      }
      // the signature is checked on a worker, so a slot is taken a moment after the head arrives
      awaitBufferedBodyBytes((long) ShardBodies.MAX_BODIES_PER_PUBLISHER * NodeFixture.SHARD);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      Resp refused;
      do {
        refused = fx.put(node, "/v1/uploads/one-more/stripes/0", new byte[NodeFixture.SHARD]);
      } while (refused.status() == 204 && System.nanoTime() < deadline);
      assertError(refused, 503, "TOO_MANY_UPLOADS");
      assertThat(refused.header("Retry-After")).isEqualTo("1");
      assertThat(node.bufferedBodyBytesHighWater())
          .isLessThanOrEqualTo((long) ShardBodies.MAX_BODIES_PER_PUBLISHER * NodeFixture.SHARD);
      // the bodies complete, the slots come back
      for (Socket s : held) {
        s.getOutputStream().write(new byte[NodeFixture.SHARD]);
        s.getOutputStream().flush();
        assertThat(statusLine(s.getInputStream())).contains(" 204 ");
      }
      Resp after = fx.put(node, "/v1/uploads/one-more/stripes/0", new byte[NodeFixture.SHARD]);
      assertThat(after.status()).as(new String(after.body())).isEqualTo(204);
      assertThat(fx.get(node, "/v1/blobs/" + none + "/metadata").status()).isEqualTo(404);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  /** Waits until the node reserved this many bytes of shard bodies (its metric), or fails after 30 s. */
  private void awaitBufferedBodyBytes(long bytes) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = null;
    while (System.nanoTime() < deadline) {
      for (String line : new String(fx.get(node, "/metrics").body(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("cachet_node_body_bytes_buffered ")) {
          last = line;
          if (Double.parseDouble(line.substring(line.indexOf(' ') + 1)) >= bytes) {
            return;
          }
        }
      }
      Thread.sleep(20);
    }
    assertThat(last).as("shard body bytes reserved").isEqualTo("cachet_node_body_bytes_buffered " + bytes);
  }

  /** A raw connection that sent a signed stripe PUT's headers and none of its body. */
  private Socket openBody(StorageNode n, String path, int length) throws Exception {
    byte[] body = new byte[length];
    Socket s = new Socket("127.0.0.1", n.actualPort());
    s.setSoTimeout(20_000);
    StringBuilder head = new StringBuilder("PUT " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
        + "Content-Length: " + length + "\r\n");
    WriteSignature.sign(fx.publisher, "PUT", path, fx.now.get(), WriteSignature.bodyDigest(body, 0, length))
        .forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("\r\n");
    OutputStream out = s.getOutputStream();
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  private static String statusLine(InputStream in) throws Exception {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
      line.append((char) c);
    }
    return line.toString();
  }
}
