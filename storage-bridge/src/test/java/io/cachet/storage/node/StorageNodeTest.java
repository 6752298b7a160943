package io.cachet.storage.node;

import static io.cachet.storage.node.NodeFixture.B64;
import static io.cachet.storage.node.NodeFixture.B64D;
import static io.cachet.storage.node.NodeFixture.assertError;
import static io.cachet.storage.node.NodeFixture.commitPath;
import static io.cachet.storage.node.NodeFixture.v1CommitBody;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.node.NodeFixture.Blob;
import io.cachet.storage.node.NodeFixture.Resp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real node on loopback, real files, real keys, driven over HTTP. */
class StorageNodeTest {
  /** The node under test; a middle index, so shard index mistakes show. */
  private static final int ME = 2;
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

  private Path blobDir(BlobId id) {
    return fx.dir(ME).resolve("blobs").resolve(id.toString());
  }

  private Blob stored(long length, long seed, String uploadId, long endEpoch) throws Exception {
    Blob blob = fx.blob(length, seed);
    fx.upload(node, ME, uploadId, blob);
    Resp r = fx.commit(node, uploadId, blob, endEpoch);
    assertThat(r.status()).as(new String(r.body())).isEqualTo(200);
    return blob;
  }

  // ---------------------------------------------------------------- upload and commit

  @Test
  void uploadAndCommit_confirmationVerifies_andEveryStripeReadsBack() throws Exception {
    Blob blob = fx.blob(3 * 3 * NodeFixture.SHARD + 1000, 1);
    assertThat(blob.stripes()).isEqualTo(4);
    fx.upload(node, ME, "up-1", blob);

    Resp r = fx.commit(node, "up-1", blob, 15);

    assertThat(r.status()).isEqualTo(200);
    JsonObject body = r.json();
    assertThat(body.getBoolean("alreadyStored")).isFalse();
    assertThat(body.containsKey("previousEndEpoch")).isFalse();
    Confirmation c = Confirmation.fromJson(body.getJsonObject("confirmation"));
    assertThat(c.verifies()).isTrue();
    assertThat(c.nodeId()).isEqualTo("node-" + ME);
    assertThat(c.publicKey()).isEqualTo(fx.keys.get(ME).publicKey());
    assertThat(c.blobId()).isEqualTo(blob.id());
    assertThat(c.size()).isEqualTo(blob.metadata().length());
    assertThat(c.endEpoch()).isEqualTo(15);
    for (int s = 0; s < blob.stripes(); s++) {
      Resp shard = fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/" + s);
      assertThat(shard.status()).isEqualTo(200);
      assertThat(shard.contentType()).isEqualTo("application/octet-stream");
      assertThat(shard.body()).isEqualTo(blob.shard(s, ME));
    }
    Resp meta = fx.get(node, "/v1/blobs/" + blob.id() + "/metadata");
    assertThat(meta.status()).isEqualTo(200);
    assertThat(meta.body()).isEqualTo(blob.metadata().toBytes());
    assertThat(meta.header("X-Cachet-End-Epoch")).isEqualTo("15");
    assertThat(Files.list(fx.dir(ME).resolve("uploads"))).isEmpty();
    assertThat(Files.size(blobDir(blob.id()).resolve("shards"))).isEqualTo(3 * NodeFixture.SHARD + 334);
    assertThat(fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/4").status()).isEqualTo(400);
  }

  @Test
  void commit_repeatedForTheSameUpload_givesTheSameAnswer() throws Exception {
    Blob blob = fx.blob(5000, 2);
    fx.upload(node, ME, "again", blob);
    Resp first = fx.commit(node, "again", blob, 20);
    Resp second = fx.commit(node, "again", blob, 20);
    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.json()).isEqualTo(first.json());
  }

  @Test
  void commit_ofABlobAlreadyHeld_keepsTheDataAndTheLaterEndEpoch_andSignsTheRequestedOne() throws Exception {
    Blob blob = stored(5000, 3, "first", 15);
    fx.upload(node, ME, "second", blob);

    Resp raised = fx.commit(node, "second", blob, 20);

    assertThat(raised.status()).isEqualTo(200);
    assertThat(raised.json().getBoolean("alreadyStored")).isTrue();
    assertThat(raised.json().getLong("previousEndEpoch")).isEqualTo(15);
    Confirmation c = Confirmation.fromJson(raised.json().getJsonObject("confirmation"));
    assertThat(c.endEpoch()).isEqualTo(20);
    assertThat(c.verifies()).isTrue();
    assertThat(Files.list(fx.dir(ME).resolve("uploads"))).isEmpty();

    // a shorter request, even with no stripes sent, is signed as asked (every node of that upload
    // then signs the same fields) while the node keeps the later end epoch it already promised
    Resp lower = fx.commit(node, "third", blob, 12);
    assertThat(lower.json().getBoolean("alreadyStored")).isTrue();
    assertThat(lower.json().getLong("previousEndEpoch")).isEqualTo(20);
    assertThat(Confirmation.fromJson(lower.json().getJsonObject("confirmation")).endEpoch()).isEqualTo(12);
    assertThat(fx.get(node, "/v1/blobs/" + blob.id() + "/metadata").header("X-Cachet-End-Epoch")).isEqualTo("20");
    assertThat(fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/0").body()).isEqualTo(blob.shard(0, ME));
  }

  @Test
  void commit_withAStripeMissing_isIncomplete_andStoresNothing_untilTheStripeArrives() throws Exception {
    Blob blob = fx.blob(4 * 3 * NodeFixture.SHARD, 4);
    fx.upload(node, ME, "gap", blob, 2);

    String message = assertError(fx.commit(node, "gap", blob, 15), 409, "INCOMPLETE_UPLOAD");

    assertThat(message).contains("[2]");
    assertError(fx.get(node, "/v1/blobs/" + blob.id() + "/metadata"), 404, "BLOB_NOT_FOUND");
    assertThat(Files.exists(blobDir(blob.id()))).isFalse();
    assertThat(fx.put(node, "/v1/uploads/gap/stripes/2", blob.shard(2, ME)).status()).isEqualTo(204);
    assertThat(fx.commit(node, "gap", blob, 15).status()).isEqualTo(200);
  }

  @Test
  void commit_withAWrongShard_isRefused_andStoresNothing() throws Exception {
    Blob blob = fx.blob(3 * 3 * NodeFixture.SHARD, 5);
    fx.upload(node, ME, "wrong", blob, 1);
    fx.put(node, "/v1/uploads/wrong/stripes/1", blob.shard(1, ME + 1)); // another node's shard

    assertError(fx.commit(node, "wrong", blob, 15), 400, "DIGEST_MISMATCH");

    assertThat(Files.exists(blobDir(blob.id()))).isFalse();
    assertError(fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/0"), 404, "BLOB_NOT_FOUND");
  }

  @Test
  void commit_withAnotherEncoding_isRefused() throws Exception {
    Blob blob = NodeFixture.blob(new Encoding(7, 2, NodeFixture.SHARD), 3000, 6);
    fx.upload(node, ME, "enc", blob);
    assertError(fx.commit(node, "enc", blob, 15), 400, "WRONG_ENCODING");
    Blob wider = NodeFixture.blob(new Encoding(7, 3, 2 * NodeFixture.SHARD), 100, 6);
    assertError(fx.commit(node, "enc2", wider, 15), 400, "WRONG_ENCODING");
  }

  @Test
  void commit_withAnEndEpochNotAheadOrTooFarAhead_isBadEpoch() throws Exception {
    Blob blob = fx.blob(100, 7);
    fx.upload(node, ME, "ep", blob);
    long epoch = fx.epoch();
    assertError(fx.commit(node, "ep", blob, epoch), 400, "BAD_EPOCH");
    assertError(fx.commit(node, "ep", blob, epoch + NodeFixture.MAX_AHEAD + 1), 400, "BAD_EPOCH");
    assertError(fx.postBytes(node, "/v1/uploads/ep/commit?endEpoch=123456789012345678901234567890",
        blob.metadata().toBytes()), 400, "INVALID_ARGUMENT");
    assertThat(fx.commit(node, "ep", blob, epoch + NodeFixture.MAX_AHEAD).status()).isEqualTo(200);
  }

  @Test
  void emptyBlob_commitsWithoutStripes() throws Exception {
    Blob blob = fx.blob(0, 8);
    Resp r = fx.commit(node, "empty", blob, 15);
    assertThat(r.status()).isEqualTo(200);
    assertThat(Confirmation.fromJson(r.json().getJsonObject("confirmation")).size()).isZero();
    assertThat(fx.get(node, "/v1/blobs/" + blob.id() + "/health").json().getJsonArray("bad")).isEmpty();
  }

  @Test
  void stripeUploads_ofOneUpload_inParallel() throws Exception {
    // as many at once as one publisher may send (more get 503, see SignedWritesTest)
    Blob blob = fx.blob((long) ShardBodies.MAX_BODIES_PER_PUBLISHER * 3 * NodeFixture.SHARD - 7, 9);
    List<CompletableFuture<Resp>> puts = new ArrayList<>();
    for (int s = blob.stripes() - 1; s >= 0; s--) {
      puts.add(fx.sendAsync(fx.putRequest(node, "/v1/uploads/par/stripes/" + s, blob.shard(s, ME))));
    }
    for (CompletableFuture<Resp> p : puts) {
      assertThat(p.get(20, TimeUnit.SECONDS).status()).isEqualTo(204);
    }
    assertThat(fx.commit(node, "par", blob, 15).status()).isEqualTo(200);
    List<CompletableFuture<Resp>> gets = new ArrayList<>();
    for (int s = 0; s < blob.stripes(); s++) {
      gets.add(fx.sendAsync(HttpRequest.newBuilder(NodeFixture.uri(node, "/v1/blobs/" + blob.id() + "/stripes/" + s))
          .build()));
    }
    for (int s = 0; s < blob.stripes(); s++) {
      assertThat(gets.get(s).get(20, TimeUnit.SECONDS).body()).isEqualTo(blob.shard(s, ME));
    }
  }

  @Test
  void abandonedUpload_isGone() throws Exception {
    Blob blob = fx.blob(100, 10);
    fx.upload(node, ME, "gone", blob);
    assertThat(fx.delete(node, "/v1/uploads/gone").status()).isEqualTo(204);
    assertThat(fx.delete(node, "/v1/uploads/gone").status()).isEqualTo(204);
    assertError(fx.commit(node, "gone", blob, 15), 404, "UPLOAD_NOT_FOUND");
    assertThat(Files.list(fx.dir(ME).resolve("uploads"))).isEmpty();
  }

  // ---------------------------------------------------------------- limits and malformed requests

  @Test
  void stripeBody_largerThanAShard_is413() throws Exception {
    assertError(fx.put(node, "/v1/uploads/big/stripes/0", new byte[NodeFixture.SHARD + 1]), 413, "TOO_LARGE");
    HttpRequest chunked = fx.signed(HttpRequest.newBuilder(NodeFixture.uri(node, "/v1/uploads/big/stripes/0")),
            fx.publisher, "PUT", "/v1/uploads/big/stripes/0", new byte[5 * NodeFixture.SHARD])
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[5 * NodeFixture.SHARD])))
        .build();
    assertError(fx.send(chunked), 413, "TOO_LARGE");
    assertError(fx.put(node, "/v1/blobs/" + fx.blob(100, 1).id() + "/stripes/0", new byte[NodeFixture.SHARD + 1]),
        413, "TOO_LARGE");
    // the connection and the node are still fine
    assertThat(fx.put(node, "/v1/uploads/big/stripes/0", new byte[NodeFixture.SHARD]).status()).isEqualTo(204);
  }

  @Test
  void malformedRequests_are400_inTheAip193Shape() throws Exception {
    Blob blob = fx.blob(100, 11);
    String meta = B64.encodeToString(blob.metadata().toBytes());
    byte[] bytes = blob.metadata().toBytes();
    assertError(fx.postBytes(node, "/v1/uploads/u/commit", bytes), 400, "INVALID_ARGUMENT");
    for (String epoch : List.of("", "x", "-1", "15.5", "015")) {
      assertError(fx.postBytes(node, "/v1/uploads/u/commit?endEpoch=" + epoch, bytes), 400, "INVALID_ARGUMENT");
    }
    assertError(fx.postBytes(node, commitPath("u", 15), new byte[0]), 400, "BAD_METADATA");
    assertError(fx.postBytes(node, commitPath("u", 15), new byte[40]), 400, "BAD_METADATA");
    assertError(fx.postBytes(node, commitPath("bad.id", 15), bytes), 400, "INVALID_ARGUMENT");
    // the v1 commit (JSON, base64 metadata) is refused naming the version
    String v1 = assertError(fx.post(node, commitPath("u", 15), v1CommitBody(blob.metadata(), 15)), 415,
        "UNSUPPORTED_FORMAT");
    assertThat(v1).contains("v2").contains("v1");
    assertError(fx.put(node, "/v1/uploads/" + "x".repeat(65) + "/stripes/0", new byte[10]), 400, "INVALID_ARGUMENT");
    assertError(fx.put(node, "/v1/uploads/u/stripes/-1", new byte[10]), 400, "INVALID_ARGUMENT");
    assertError(fx.put(node, "/v1/uploads/u/stripes/01", new byte[10]), 400, "INVALID_ARGUMENT");
    assertError(fx.put(node, "/v1/uploads/u/stripes/x", new byte[10]), 400, "INVALID_ARGUMENT");
    assertError(fx.put(node, "/v1/uploads/u/stripes/99999999999", new byte[10]), 400, "INVALID_ARGUMENT");
    assertError(fx.put(node, "/v1/uploads/u/stripes/2000000000", new byte[10]), 400, "BAD_STRIPE");
    assertError(fx.put(node, "/v1/uploads/u/stripes/0", new byte[0]), 400, "INVALID_ARGUMENT");
    assertError(fx.get(node, "/v1/blobs/not-a-blob-id/metadata"), 400, "INVALID_ARGUMENT");
    assertError(fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/one"), 400, "INVALID_ARGUMENT");
    assertError(fx.get(node, "/v1/blobs?limit=0"), 400, "INVALID_ARGUMENT");
    assertError(fx.get(node, "/v1/blobs?after=zzz"), 400, "INVALID_ARGUMENT");
    assertError(fx.putJson(node, "/v1/blobs/" + blob.id(), "{\"metadata\":\"" + meta + "\"}"), 415, "UNSUPPORTED_FORMAT");
    assertError(fx.put(node, "/v1/blobs/" + blob.id(), new byte[3]), 400, "INVALID_ARGUMENT");
    assertError(fx.put(node, "/v1/blobs/" + blob.id(), new byte[] {0, 1, 0, 0, 1, 2}), 400, "INVALID_ARGUMENT");
    assertError(fx.get(node, "/v1/nothing"), 404, "NOT_FOUND");
    assertError(fx.get(node, "/v1/blobs/" + blob.id() + "/metadata"), 404, "BLOB_NOT_FOUND");
  }

  // ---------------------------------------------------------------- damage and repair

  @Test
  void flippedByteOnDisk_isShardCorrupt_neverServed_scrubbed_andRepaired() throws Exception {
    Blob blob = stored(3 * 3 * NodeFixture.SHARD, 12, "rot", 15);
    Path shards = blobDir(blob.id()).resolve("shards");
    try (FileChannel ch = FileChannel.open(shards, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, NodeFixture.SHARD + 5);
      b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
      ch.write(b, NodeFixture.SHARD + 5);
    }

    Resp read = fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/1");
    assertError(read, 500, "SHARD_CORRUPT");
    assertThat(fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/0").body()).isEqualTo(blob.shard(0, ME));
    assertError(fx.get(node, "/v1/challenges/" + blob.id() + "/1"), 500, "SHARD_CORRUPT");
    JsonObject health = fx.get(node, "/v1/blobs/" + blob.id() + "/health").json();
    assertThat(health.getJsonArray("bad")).isEqualTo(new JsonArray().add(1));
    assertThat(health.getJsonArray("corrupt")).isEqualTo(new JsonArray().add(1));
    assertThat(health.getLong("stripes")).isEqualTo(3);
    assertThat(health.getLong("endEpoch")).isEqualTo(15);
    assertThat(new String(fx.get(node, "/metrics").body())).containsPattern("cachet_node_corrupt_shards_total [3-9]");

    assertError(fx.put(node, "/v1/blobs/" + blob.id() + "/stripes/1", blob.shard(1, ME + 1)), 400, "DIGEST_MISMATCH");
    assertError(fx.put(node, "/v1/blobs/" + blob.id() + "/stripes/3", blob.shard(1, ME)), 400, "BAD_STRIPE");
    assertThat(fx.put(node, "/v1/blobs/" + blob.id() + "/stripes/1", blob.shard(1, ME)).status()).isEqualTo(204);

    assertThat(fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/1").body()).isEqualTo(blob.shard(1, ME));
    assertThat(fx.get(node, "/v1/blobs/" + blob.id() + "/health").json().getJsonArray("bad")).isEmpty();
  }

  @Test
  void deletedShardFile_isReportedMissing_andChallengesFail() throws Exception {
    Blob blob = stored(2 * 3 * NodeFixture.SHARD + 10, 13, "del", 15);
    Resp answer = fx.get(node, "/v1/challenges/" + blob.id() + "/2");
    assertThat(answer.status()).isEqualTo(200);
    JsonObject a = answer.json();
    assertThat(a.getString("blobId")).isEqualTo(blob.id().toString());
    assertThat(a.getLong("stripe")).isEqualTo(2);
    assertThat(a.getInteger("shardIndex")).isEqualTo(ME);
    assertThat(proves(a)).isTrue();
    a.put("shard", B64.encodeToString(blob.shard(2, ME + 1)));
    assertThat(proves(a)).isFalse();

    Files.delete(blobDir(blob.id()).resolve("shards"));

    assertError(fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/0"), 404, "SHARD_MISSING");
    assertError(fx.get(node, "/v1/challenges/" + blob.id() + "/2"), 404, "SHARD_MISSING");
    JsonObject health = fx.get(node, "/v1/blobs/" + blob.id() + "/health").json();
    assertThat(health.getJsonArray("bad")).isEqualTo(new JsonArray().add(0).add(1).add(2));
    assertThat(health.getJsonArray("missing")).isEqualTo(new JsonArray().add(0).add(1).add(2));
  }

  private static boolean proves(JsonObject a) {
    List<byte[]> proof = new ArrayList<>();
    a.getJsonArray("proof").forEach(p -> proof.add(B64D.decode((String) p)));
    return BlobMetadata.provesShard(BlobId.parse(a.getString("blobId")),
        Encoding.fromDescriptor(B64D.decode(a.getString("encoding"))), a.getLong("length"), a.getLong("stripe"),
        a.getInteger("shardIndex"), B64D.decode(a.getString("shard")), proof);
  }

  @Test
  void repairInstall_needsAQuorumCertificate_thenShardsAreRepairedOneByOne() throws Exception {
    Blob blob = fx.blob(3 * 3 * NodeFixture.SHARD - 1, 14);
    String path = "/v1/blobs/" + blob.id();
    String meta = B64.encodeToString(blob.metadata().toBytes());

    AvailabilityCertificate four = fx.certificate(blob, 18, 0, 1, 3, 4);
    assertError(install(path, meta, four.toJson()), 400, "BAD_CERTIFICATE");
    AvailabilityCertificate doubled = fx.certificate(blob, 18, 0, 1, 3, 4, 4);
    assertError(install(path, meta, doubled.toJson()), 400, "BAD_CERTIFICATE");
    JsonObject forged = fx.certificate(blob, 18, 0, 1, 3, 4, 5).toJson();
    JsonObject last = forged.getJsonArray("confirmations").getJsonObject(4);
    byte[] sig = B64D.decode(last.getString("signature"));
    sig[3] ^= 1;
    last.put("signature", B64.encodeToString(sig));
    assertError(install(path, meta, forged), 400, "BAD_CERTIFICATE");
    JsonObject otherEpoch = fx.certificate(blob, 18, 0, 1, 3, 4, 5).toJson().put("endEpoch", 19);
    assertError(install(path, meta, otherEpoch), 400, "BAD_CERTIFICATE");
    Blob other = fx.blob(100, 15);
    assertError(install(path, B64.encodeToString(other.metadata().toBytes()),
        fx.certificate(blob, 18, 0, 1, 3, 4, 5).toJson()), 400, "BAD_METADATA");
    assertError(install(path, meta, new JsonObject().put("blobId", 5)), 400, "BAD_CERTIFICATE");
    assertError(fx.get(node, path + "/metadata"), 404, "BLOB_NOT_FOUND");

    Resp ok = install(path, meta, fx.certificate(blob, 18, 0, 1, 3, 4, 5).toJson());

    assertThat(ok.status()).as(new String(ok.body())).isEqualTo(204);
    Resp served = fx.get(node, path + "/metadata");
    assertThat(served.body()).isEqualTo(blob.metadata().toBytes());
    assertThat(served.header("X-Cachet-End-Epoch")).isEqualTo("18");
    assertError(fx.get(node, path + "/stripes/0"), 404, "SHARD_MISSING");
    assertThat(fx.get(node, path + "/health").json().getJsonArray("missing")).hasSize(3);
    assertThat(fx.put(node, path + "/stripes/2", blob.shard(2, ME)).status()).isEqualTo(204);
    // stripes 0 and 1 are holes below a written stripe: still missing, not corrupt
    assertThat(fx.get(node, path + "/health").json().getJsonArray("missing")).isEqualTo(new JsonArray().add(0).add(1));
    assertError(fx.get(node, path + "/stripes/1"), 404, "SHARD_MISSING");
    for (int s = 0; s < 2; s++) {
      assertThat(fx.put(node, path + "/stripes/" + s, blob.shard(s, ME)).status()).isEqualTo(204);
    }
    for (int s = 0; s < 3; s++) {
      assertThat(fx.get(node, path + "/stripes/" + s).body()).isEqualTo(blob.shard(s, ME));
    }
    assertThat(fx.get(node, "/v1/blobs").json().getJsonArray("blobs").getJsonObject(0).getString("blobId"))
        .isEqualTo(blob.id().toString());
    // installing again with a later certificate only raises the end epoch
    assertThat(install(path, meta, fx.certificate(blob, 25, 1, 2, 3, 4, 6).toJson()).status()).isEqualTo(204);
    assertThat(fx.get(node, path + "/metadata").header("X-Cachet-End-Epoch")).isEqualTo("25");
    assertThat(fx.get(node, path + "/stripes/1").body()).isEqualTo(blob.shard(1, ME));
  }

  @Test
  void commit_ofAnInstalledBlobWithHoles_isRefusedWithoutTheStripes_andHealedWithThem() throws Exception {
    Blob blob = fx.blob(3 * 3 * NodeFixture.SHARD, 20);
    String path = "/v1/blobs/" + blob.id();
    assertThat(install(path, B64.encodeToString(blob.metadata().toBytes()),
        fx.certificate(blob, 18, 0, 1, 3, 4, 5).toJson()).status()).isEqualTo(204);

    String message = assertError(fx.commit(node, "none", blob, 20), 409, "INCOMPLETE_UPLOAD");
    assertThat(message).contains("[0, 1, 2]");
    fx.upload(node, ME, "part", blob, 1);
    assertError(fx.commit(node, "part", blob, 20), 409, "INCOMPLETE_UPLOAD");
    assertThat(fx.get(node, path + "/metadata").header("X-Cachet-End-Epoch")).isEqualTo("18");

    fx.put(node, "/v1/uploads/part/stripes/1", blob.shard(1, ME));
    Resp healed = fx.commit(node, "part", blob, 20);

    assertThat(healed.status()).isEqualTo(200);
    assertThat(healed.json().getBoolean("alreadyStored")).isTrue();
    assertThat(healed.json().getLong("previousEndEpoch")).isEqualTo(18);
    assertThat(fx.get(node, path + "/health").json().getJsonArray("bad")).isEmpty();
    for (int s = 0; s < 3; s++) {
      assertThat(fx.get(node, path + "/stripes/" + s).body()).isEqualTo(blob.shard(s, ME));
    }
    assertThat(Files.list(fx.dir(ME).resolve("uploads"))).isEmpty();
  }

  /** A repair install in the v2 frame: u32 length of the certificate JSON, that JSON, the metadata bytes. */
  private Resp install(String path, String metadata, JsonObject certificate) throws Exception {
    byte[] json = certificate.toBuffer().getBytes();
    byte[] meta = B64D.decode(metadata);
    byte[] body = ByteBuffer.allocate(4 + json.length + meta.length).putInt(json.length).put(json).put(meta).array();
    return fx.put(node, path, body);
  }

  // ---------------------------------------------------------------- listing, expiry, GC

  @Test
  void listing_pagesThroughTheHeldBlobs_inIdOrder() throws Exception {
    List<BlobId> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(stored(100 + i, 100 + i, "list-" + i, 15 + i).id());
    }
    ids.sort(null);
    List<BlobId> seen = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      JsonObject page = fx.get(node, "/v1/blobs?limit=2" + (after == null ? "" : "&after=" + after)).json();
      for (Object o : page.getJsonArray("blobs")) {
        JsonObject b = (JsonObject) o;
        seen.add(BlobId.parse(b.getString("blobId")));
        assertThat(b.getLong("size")).isBetween(100L, 104L);
        assertThat(b.getLong("endEpoch")).isEqualTo(15 + b.getLong("size") - 100);
      }
      after = page.getString("next");
      pages++;
    } while (after != null);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).isEqualTo(ids);
    JsonObject health = fx.get(node, "/health").json();
    assertThat(health.getString("status")).isEqualTo("serving");
    assertThat(health.getInteger("blobs")).isEqualTo(5);
  }

  @Test
  void expiredBlob_isInvisible_thenCollected() throws Exception {
    fx.stop(node);
    node = fx.start(fx.config(ME, 1000, 600_000));
    Blob blob = stored(3000, 16, "exp", 12);
    Blob keeps = stored(3000, 17, "keep", 14);

    fx.now.set(12 * NodeFixture.EPOCH_MILLIS);

    assertError(fx.get(node, "/v1/blobs/" + blob.id() + "/metadata"), 404, "BLOB_NOT_FOUND");
    assertError(fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/0"), 404, "BLOB_NOT_FOUND");
    JsonArray listed = fx.get(node, "/v1/blobs").json().getJsonArray("blobs");
    assertThat(listed).hasSize(1);
    assertThat(listed.getJsonObject(0).getString("blobId")).isEqualTo(keeps.id().toString());
    // invisible at its end epoch, collected one epoch later (the grace period)
    assertThat(node.collectGarbage().toCompletionStage().toCompletableFuture().get().blobs()).isZero();
    assertThat(blobDir(blob.id())).exists();
    fx.now.set(13 * NodeFixture.EPOCH_MILLIS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Files.exists(blobDir(blob.id())) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(blobDir(blob.id())).doesNotExist();
    assertThat(blobDir(keeps.id())).exists();
    assertThat(fx.get(node, "/v1/blobs/" + keeps.id() + "/stripes/0").body()).isEqualTo(keeps.shard(0, ME));
    // stored again after expiry, it is a new blob
    fx.upload(node, ME, "exp-again", blob);
    Resp again = fx.commit(node, "exp-again", blob, 20);
    assertThat(again.json().getBoolean("alreadyStored")).isFalse();
    assertThat(fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/0").body()).isEqualTo(blob.shard(0, ME));
  }

  @Test
  void idleUpload_isDroppedAfterItsTtl() throws Exception {
    Blob blob = fx.blob(100, 18);
    fx.upload(node, ME, "idle", blob);
    assertThat(node.collectGarbage().toCompletionStage().toCompletableFuture().get().uploads()).isZero();
    fx.now.addAndGet(600_001);
    assertThat(node.collectGarbage().toCompletionStage().toCompletableFuture().get().uploads()).isEqualTo(1);
    assertError(fx.commit(node, "idle", blob, fx.epoch() + 5), 404, "UPLOAD_NOT_FOUND");
    assertThat(Files.list(fx.dir(ME).resolve("uploads"))).isEmpty();
  }

  // ---------------------------------------------------------------- node info and metrics

  @Test
  void nodeInfo_health_andMetrics() throws Exception {
    JsonObject info = fx.get(node, "/v1/node").json();
    assertThat(info.getString("nodeId")).isEqualTo("node-" + ME);
    assertThat(info.getInteger("index")).isEqualTo(ME);
    assertThat(B64D.decode(info.getString("publicKey"))).isEqualTo(fx.keys.get(ME).publicKey());
    assertThat(info.getLong("epoch")).isEqualTo(10);
    Blob blob = stored(2000, 19, "m", 15);
    fx.get(node, "/v1/blobs/" + blob.id() + "/stripes/0");
    String metrics = new String(fx.get(node, "/metrics").body());
    assertThat(metrics).contains("cachet_node_confirmations_signed_total 1.0");
    assertThat(metrics).contains("cachet_node_shard_bytes_written_total " + (double) blob.shard(0, ME).length);
    assertThat(metrics).contains("cachet_node_shard_bytes_read_total " + (double) blob.shard(0, ME).length);
    assertThat(metrics).contains("cachet_node_blobs 1.0");
    assertThat(metrics).containsPattern("cachet_node_requests_total\\{method=\"POST\",route=\"commit\",status=\"200\"} 1.0");
    assertThat(metrics).containsPattern("cachet_node_requests_total\\{method=\"PUT\",route=\"upload_stripe\",status=\"204\"}");
  }
}
