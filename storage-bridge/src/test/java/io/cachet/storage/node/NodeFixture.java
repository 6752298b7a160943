package io.cachet.storage.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A 7-node network (n = 7, k = 3, 1 KiB shards, 1-second epochs starting at epoch 10) whose nodes
 * have real keys in real data directories; any of them can be started as a real {@link StorageNode}
 * on loopback, driven over HTTP.
 */
final class NodeFixture implements AutoCloseable {
  static final int N = 7;
  static final int SHARD = 1024;
  static final long EPOCH_MILLIS = 1000;
  static final int MAX_AHEAD = 53;
  static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  static final Base64.Decoder B64D = Base64.getUrlDecoder();

  final Vertx vertx;
  final Path root;
  final AtomicLong now = new AtomicLong(10 * EPOCH_MILLIS + 500);
  final List<NodeKey> keys = new ArrayList<>();
  /** The publisher every node of the fixture trusts; the fixture signs its writes with it. */
  final NodeKey publisher = NodeKey.generate();
  final NetworkConfig network;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<StorageNode, String> deployments = new IdentityHashMap<>();

  NodeFixture(Vertx vertx, Path root) throws IOException {
    this.vertx = vertx;
    this.root = root;
    List<NodeInfo> infos = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      NodeKey key = NodeKeys.loadOrCreate(dir(i));
      keys.add(key);
      infos.add(new NodeInfo("node-" + i, i, "http://127.0.0.1", key.publicKey()));
    }
    network = new NetworkConfig(infos, SHARD, new EpochSchedule(0, EPOCH_MILLIS, MAX_AHEAD));
  }

  Path dir(int index) {
    return root.resolve("node-" + index);
  }

  long epoch() {
    return network.epochs().epochAt(now.get());
  }

  NodeConfig config(int index) {
    return config(index, 3_600_000, 600_000);
  }

  NodeConfig config(int index, long gcIntervalMillis, long uploadTtlMillis) {
    return new NodeConfig(dir(index), index, network, "127.0.0.1", 0, gcIntervalMillis, uploadTtlMillis, now::get)
        .withTrustedPublishers(List.of(publisher.publicKey()));
  }

  StorageNode start(NodeConfig config) throws Exception {
    StorageNode node = new StorageNode(config);
    String id = vertx.deployVerticle(node).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    deployments.put(node, id);
    return node;
  }

  StorageNode start(int index) throws Exception {
    return start(config(index));
  }

  void stop(StorageNode node) throws Exception {
    String id = deployments.remove(node);
    vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    for (StorageNode node : new ArrayList<>(deployments.keySet())) {
      stop(node);
    }
  }

  // ---------------------------------------------------------------- blobs

  /** A blob's metadata and every shard of every stripe ([stripe][shard]); shard bytes are random. */
  record Blob(BlobMetadata metadata, byte[][][] shards) {
    BlobId id() {
      return metadata.blobId();
    }

    byte[] shard(long stripe, int index) {
      return shards[(int) stripe][index];
    }

    int stripes() {
      return shards.length;
    }
  }

  Blob blob(long length, long seed) {
    return blob(network.encoding(), length, seed);
  }

  static Blob blob(Encoding encoding, long length, long seed) {
    Random random = new Random(seed);
    int stripes = (int) encoding.stripes(length);
    byte[][][] shards = new byte[stripes][encoding.n()][];
    byte[] digests = new byte[stripes * encoding.n() * Hashes.DIGEST_BYTES];
    for (int s = 0; s < stripes; s++) {
      int len = encoding.shardLength(length, s);
      for (int i = 0; i < encoding.n(); i++) {
        byte[] shard = new byte[len];
        random.nextBytes(shard);
        shards[s][i] = shard;
        System.arraycopy(Hashes.shardDigest(shard, 0, len), 0, digests, (s * encoding.n() + i) * Hashes.DIGEST_BYTES,
            Hashes.DIGEST_BYTES);
      }
    }
    return new Blob(BlobMetadata.of(encoding, length, digests), shards);
  }

  AvailabilityCertificate certificate(Blob blob, long endEpoch, int... signers) {
    List<Confirmation> confirmations = new ArrayList<>();
    for (int i : signers) {
      confirmations.add(Confirmation.sign("node-" + i, keys.get(i), blob.id(), blob.metadata().length(), endEpoch));
    }
    return new AvailabilityCertificate(blob.id(), blob.metadata().length(), endEpoch, confirmations);
  }

  /** The v1 commit body (JSON with base64 metadata), which a v2 node refuses. */
  static String v1CommitBody(BlobMetadata metadata, long endEpoch) {
    return new JsonObject().put("metadata", B64.encodeToString(metadata.toBytes())).put("endEpoch", endEpoch).encode();
  }

  static String commitPath(String uploadId, long endEpoch) {
    return "/v1/uploads/" + uploadId + "/commit?endEpoch=" + endEpoch;
  }

  // ---------------------------------------------------------------- HTTP

  record Resp(int status, byte[] body, String contentType, HttpResponse<byte[]> raw) {
    JsonObject json() {
      return new JsonObject(new String(body, java.nio.charset.StandardCharsets.UTF_8));
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  static URI uri(StorageNode node, String path) {
    return URI.create("http://127.0.0.1:" + node.actualPort() + path);
  }

  Resp send(HttpRequest request) throws IOException, InterruptedException {
    return wrap(http.send(request, HttpResponse.BodyHandlers.ofByteArray()));
  }

  CompletableFuture<Resp> sendAsync(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(NodeFixture::wrap);
  }

  private static Resp wrap(HttpResponse<byte[]> r) {
    return new Resp(r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(""), r);
  }

  Resp get(StorageNode node, String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(node, path)).GET().build());
  }

  Resp delete(StorageNode node, String path) throws IOException, InterruptedException {
    return send(signed(HttpRequest.newBuilder(uri(node, path)), publisher, "DELETE", path, new byte[0]).DELETE()
        .build());
  }

  Resp put(StorageNode node, String path, byte[] body) throws IOException, InterruptedException {
    return send(putRequest(node, path, body));
  }

  /** A write signed by the fixture's trusted publisher. */
  HttpRequest putRequest(StorageNode node, String path, byte[] body) {
    return signed(HttpRequest.newBuilder(uri(node, path)), publisher, "PUT", path, body)
        .header("content-type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  Resp putJson(StorageNode node, String path, String json) throws IOException, InterruptedException {
    byte[] body = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return send(signed(HttpRequest.newBuilder(uri(node, path)), publisher, "PUT", path, body)
        .header("content-type", "application/json").PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  Resp post(StorageNode node, String path, String json) throws IOException, InterruptedException {
    byte[] body = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return send(signed(HttpRequest.newBuilder(uri(node, path)), publisher, "POST", path, body)
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  Resp postBytes(StorageNode node, String path, byte[] body) throws IOException, InterruptedException {
    return send(signed(HttpRequest.newBuilder(uri(node, path)), publisher, "POST", path, body)
        .header("content-type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build());
  }

  /** Adds the write-signature headers of {@code key} over this method, path and body, stamped now. */
  HttpRequest.Builder signed(HttpRequest.Builder b, NodeKey key, String method, String path, byte[] body) {
    WriteSignature.sign(key, method, path, now.get(), WriteSignature.bodyDigest(body, 0, body.length))
        .forEach(b::header);
    return b;
  }

  /** Sends this node's shard of every stripe of the blob except {@code skip}, one at a time. */
  void upload(StorageNode node, int index, String uploadId, Blob blob, long... skip) throws Exception {
    outer:
    for (int s = 0; s < blob.stripes(); s++) {
      for (long k : skip) {
        if (k == s) {
          continue outer;
        }
      }
      Resp r = put(node, "/v1/uploads/" + uploadId + "/stripes/" + s, blob.shard(s, index));
      assertThat(r.status()).as("stripe %d: %s", s, new String(r.body())).isEqualTo(204);
    }
  }

  Resp commit(StorageNode node, String uploadId, Blob blob, long endEpoch) throws IOException, InterruptedException {
    return postBytes(node, commitPath(uploadId, endEpoch), blob.metadata().toBytes());
  }

  /** Asserts the AIP-193 error shape with this status and reason; returns the message. */
  static String assertError(Resp r, int status, String reason) {
    assertThat(r.status()).as("status of %s", new String(r.body())).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/json");
    JsonObject error = r.json().getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(status);
    assertThat(error.getString("status")).isNotBlank();
    JsonObject detail = error.getJsonArray("details").getJsonObject(0);
    assertThat(detail.getString("@type")).isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
    assertThat(detail.getString("domain")).isEqualTo("cachet.io");
    assertThat(detail.getString("reason")).isEqualTo(reason);
    return error.getString("message");
  }
}
