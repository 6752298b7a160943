package io.cachet.storage.gateway;

import io.cachet.common.http.ApiError;
import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.common.http.BoundedBody;
import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.cachet.storage.node.Confirmation;
import io.cachet.storage.node.NodeKey;
import io.cachet.storage.node.WriteSignature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The gateway's side of the storage node API (docs/STORAGE.md), one method per route. Every
 * method answers on the caller's Vert.x context; failures are {@link NodeCallException}s. Nothing
 * a node says is trusted here beyond its shape: callers verify shards, metadata and signatures.
 *
 * <p>Reads are bounded: each answer is read through {@link BoundedBody} within the cap for its
 * kind (a shard: exactly the length its metadata promises; metadata: what the largest blob the
 * gateway accepts needs), so a node that answers a gigabyte fails with reason
 * {@value AnswerTooLargeException#REASON} once the cap is reached, its connection dropped, and is
 * then treated like a node that did not answer.
 *
 * <p>Every write (stripe, commit, abort, install, repair stripe, certificate) is signed with the
 * publisher key ({@link WriteSignature}); the nodes accept writes only from keys they trust.
 */
public final class NodeClient {
  /** Most bytes of a node's JSON answer to a read: a health report, a certificate, a listing page. */
  static final int MAX_NODE_JSON_BYTES = 4 << 20;
  /** Most bytes of a node's own health answer: a few hundred. */
  private static final int MAX_NODE_HEALTH_BYTES = 64 << 10;
  /** Room for a challenge answer's JSON around its base64 shard: the Merkle path and the fields. */
  private static final int CHALLENGE_OVERHEAD_BYTES = 64 << 10;

  /** What a node answered to a commit. */
  public record Commit(Confirmation confirmation, boolean alreadyStored, long previousEndEpoch) {}

  /** One entry of a node's blob listing. */
  public record Listed(BlobId blobId, long size, long endEpoch) {}

  /** A page of a node's blob listing; {@code next} is null on the last page. */
  public record Listing(List<Listed> blobs, BlobId next) {}

  /** Metadata bytes as a node served them, with the end epoch it keeps the blob until. */
  public record Metadata(byte[] bytes, long endEpoch) {}

  private final NetworkConfig network;
  /** The core client, whose answers {@link BoundedBody} can cut off at a cap, reads and writes alike. */
  private final HttpClient http;
  private final long metadataCap;
  private final long challengeCap;
  private final NodeKey publisherKey;
  private final LongSupplier nowMillis;
  /** A node's refusal of a write stamped before its restart floor; signing it again is the answer. */
  static final String BEFORE_RESTART = "REQUEST_BEFORE_RESTART";

  /**
   * @param maxBlobSize the largest blob the gateway accepts: metadata reads are capped at what it needs
   * @param publisherKey the key every write is signed with
   * @param nowMillis the clock write signatures are stamped with
   */
  public NodeClient(Vertx vertx, NetworkConfig network, long timeoutMillis, long maxBlobSize, NodeKey publisherKey,
      LongSupplier nowMillis) {
    this.network = network;
    this.publisherKey = Objects.requireNonNull(publisherKey, "publisherKey");
    this.nowMillis = Objects.requireNonNull(nowMillis, "nowMillis");
    // one pool for what were a write client and a read client of 16 connections each
    this.http = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setConnectTimeout((int) Math.min(timeoutMillis, 10_000))
            .setIdleTimeout(60),
        new PoolOptions().setHttp1MaxSize(32));
    this.timeoutMillis = timeoutMillis;
    this.metadataCap = Math.min(BlobMetadata.MAX_BYTES, BlobMetadata.encodedSize(network.encoding(), maxBlobSize));
    this.challengeCap = 4L * ((network.encoding().shardSize() + 2) / 3) + CHALLENGE_OVERHEAD_BYTES;
  }

  private final long timeoutMillis;

  public NetworkConfig network() {
    return network;
  }

  /** Sends a shard of an upload; {@code digest} is its SHA-256 as the metadata will list it (the signature covers it). */
  public Future<Void> putStripe(int node, String uploadId, long stripe, Buffer shard, byte[] digest) {
    return write(node, HttpMethod.PUT, "/v1/uploads/" + uploadId + "/stripes/" + stripe, shard, digest,
        "application/octet-stream").mapEmpty();
  }

  /** Commits an upload: the metadata bytes as the body, the end epoch in the query (node API v2). */
  public Future<Commit> commit(int node, String uploadId, byte[] metadata, long endEpoch) {
    return write(node, HttpMethod.POST, "/v1/uploads/" + uploadId + "/commit?endEpoch=" + endEpoch,
        Buffer.buffer(metadata), null, "application/octet-stream").map(a -> asJson(node, a)).map(j -> {
      try {
        Long previous = j.getLong("previousEndEpoch");
        return new Commit(Confirmation.fromJson(j.getJsonObject("confirmation")),
            Boolean.TRUE.equals(j.getBoolean("alreadyStored")), previous == null ? -1 : previous);
      } catch (RuntimeException e) {
        throw new NodeCallException(id(node), 200, "PROTOCOL", "malformed commit answer: " + e.getMessage());
      }
    });
  }

  public Future<Void> abort(int node, String uploadId) {
    return write(node, HttpMethod.DELETE, "/v1/uploads/" + uploadId, null, null, null).mapEmpty();
  }

  public Future<Metadata> metadata(int node, BlobId blob) {
    return read(node, "/v1/blobs/" + blob + "/metadata", "a node's metadata", metadataCap).map(r -> {
      String end = r.header("X-Cachet-End-Epoch");
      try {
        return new Metadata(r.body().getBytes(), Long.parseLong(end));
      } catch (NumberFormatException | NullPointerException e) {
        throw new NodeCallException(id(node), 200, "PROTOCOL", "metadata without a valid end epoch");
      }
    });
  }

  /**
   * The node's shard of a stripe, unverified: the caller checks it against the metadata. At most
   * {@code shardLength} bytes (what the metadata promises for it) are read.
   */
  public Future<Buffer> stripe(int node, BlobId blob, long stripe, int shardLength) {
    return read(node, "/v1/blobs/" + blob + "/stripes/" + stripe, "a shard", shardLength)
        .map(BoundedBody.Answer::body);
  }

  public Future<JsonObject> health(int node, BlobId blob) {
    return readJson(node, "/v1/blobs/" + blob + "/health", "a node's health report", MAX_NODE_JSON_BYTES);
  }

  /**
   * Installs a blob on a node that missed it (node API v2): u32 length of the certificate's JSON,
   * that JSON, then the metadata bytes, as one application/octet-stream body.
   */
  public Future<Void> repairInstall(int node, BlobId blob, byte[] metadata, AvailabilityCertificate certificate) {
    Buffer json = certificate.toJson().toBuffer();
    Buffer body = Buffer.buffer(4 + json.length() + metadata.length).appendUnsignedInt(json.length()).appendBuffer(json)
        .appendBytes(metadata);
    return write(node, HttpMethod.PUT, "/v1/blobs/" + blob, body, null, "application/octet-stream").mapEmpty();
  }

  /** Repair write of one shard; {@code digest} is its SHA-256 as the metadata lists it. */
  public Future<Void> repairStripe(int node, BlobId blob, long stripe, Buffer shard, byte[] digest) {
    return write(node, HttpMethod.PUT, "/v1/blobs/" + blob + "/stripes/" + stripe, shard, digest,
        "application/octet-stream").mapEmpty();
  }

  public Future<Void> putCertificate(int node, AvailabilityCertificate certificate) {
    return write(node, HttpMethod.PUT, "/v1/blobs/" + certificate.blobId() + "/certificate",
        certificate.toJson().toBuffer(), null, "application/json").mapEmpty();
  }

  public Future<AvailabilityCertificate> certificate(int node, BlobId blob) {
    String path = "/v1/blobs/" + blob + "/certificate";
    return readJson(node, path, "a node's certificate", MAX_NODE_JSON_BYTES).map(j -> {
      try {
        return AvailabilityCertificate.fromJson(j);
      } catch (RuntimeException e) {
        throw new NodeCallException(id(node), 200, "PROTOCOL", "malformed certificate: " + e.getMessage());
      }
    });
  }

  public Future<JsonObject> challenge(int node, BlobId blob, long stripe) {
    return readJson(node, "/v1/challenges/" + blob + "/" + stripe, "a challenge answer", challengeCap);
  }

  public Future<Listing> list(int node, BlobId after, int limit) {
    String query = "/v1/blobs?limit=" + limit + (after == null ? "" : "&after=" + after);
    return readJson(node, query, "a node's listing", MAX_NODE_JSON_BYTES).map(j -> {
      try {
        List<Listed> out = new ArrayList<>();
        JsonArray blobs = j.getJsonArray("blobs");
        for (int i = 0; i < blobs.size(); i++) {
          JsonObject b = blobs.getJsonObject(i);
          out.add(new Listed(BlobId.parse(b.getString("blobId")), b.getLong("size"), b.getLong("endEpoch")));
        }
        String next = j.getString("next");
        return new Listing(out, next == null ? null : BlobId.parse(next));
      } catch (RuntimeException e) {
        throw new NodeCallException(id(node), 200, "PROTOCOL", "malformed listing: " + e.getMessage());
      }
    });
  }

  /**
   * Node {@code node}'s own {@code GET /health}, whatever its HTTP status, with {@code timeoutMillis}
   * to connect and to hear each part of the answer: a node that takes the connection and says
   * nothing (a stopped process) fails the future once that time has passed.
   */
  public Future<BoundedBody.Answer> selfReport(int node, long timeoutMillis) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(network.nodes().get(node).url() + "/health").setConnectTimeout(timeoutMillis)
        .setIdleTimeout(timeoutMillis);
    try {
      return BoundedBody.exchange(http, options, null, "a node's health", MAX_NODE_HEALTH_BYTES);
    } catch (IllegalStateException e) {
      return Future.failedFuture(new NodeCallException(network.nodes().get(node).id(), 0, "NETWORK",
          "the gateway is stopping"));
    }
  }

  public void close() {
    http.close();
  }

  private String id(int node) {
    return network.nodes().get(node).id();
  }

  private JsonObject asJson(int node, BoundedBody.Answer a) {
    try {
      return a.json();
    } catch (RuntimeException e) {
      throw new NodeCallException(id(node), a.status(), "PROTOCOL", "answer is not JSON");
    }
  }

  /**
   * A signed write; {@code digest} is the body's SHA-256 when the caller has it already, else
   * computed here. A node that restarted since the write was stamped refuses it
   * ({@value #BEFORE_RESTART}: it cannot tell whether the run before answered it); the write is
   * then signed again with a fresh timestamp and sent once more.
   */
  private Future<BoundedBody.Answer> write(int node, HttpMethod method, String path, Buffer body, byte[] digest,
      String type) {
    byte[] signedDigest = digest != null ? digest
        : body == null ? WriteSignature.emptyBodyDigest()
        : WriteSignature.bodyDigest(body.getBytes(), 0, body.length());
    return signedCall(node, method, path, body, signedDigest, type).recover(e ->
        e instanceof NodeCallException refused && BEFORE_RESTART.equals(refused.reason())
            ? signedCall(node, method, path, body, signedDigest, type)
            : Future.failedFuture(e));
  }

  private Future<BoundedBody.Answer> signedCall(int node, HttpMethod method, String path, Buffer body, byte[] digest,
      String type) {
    Map<String, String> signature;
    try {
      signature = WriteSignature.sign(publisherKey, method.name(), path, nowMillis.getAsLong(), digest);
    } catch (IllegalStateException e) {
      // the publisher key was destroyed with the stopped gateway: as a call the closed client refuses
      return Future.failedFuture(new NodeCallException(network.nodes().get(node).id(), 0, "NETWORK",
          "the gateway is stopping"));
    }
    return call(node, method, path, body, type, signature, "a node's answer to a write", MAX_NODE_JSON_BYTES);
  }

  /** A GET whose answer is read within {@code cap}. */
  private Future<BoundedBody.Answer> read(int node, String path, String kind, long cap) {
    return call(node, HttpMethod.GET, path, null, null, Map.of(), kind, cap);
  }

  private Future<JsonObject> readJson(int node, String path, String kind, long cap) {
    return read(node, path, kind, cap).map(a -> asJson(node, a));
  }

  /**
   * One call to a node, its answer read within {@code cap}: too large fails as unreachable, like a
   * node that said nothing; a non-2xx answer fails with the node's error.
   */
  private Future<BoundedBody.Answer> call(int node, HttpMethod method, String path, Buffer body, String type,
      Map<String, String> headers, String kind, long cap) {
    NodeInfo info = network.nodes().get(node);
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(info.url() + path)
        .setIdleTimeout(timeoutMillis);
    if (type != null) {
      options.putHeader("content-type", type);
    }
    headers.forEach(options::putHeader);
    Future<BoundedBody.Answer> sent;
    try {
      sent = BoundedBody.exchange(http, options, body, kind, cap);
    } catch (IllegalStateException e) {
      // The gateway stopped (closing this client) while an upload still had calls to make: those
      // fail like any unreachable node instead of throwing into the caller's callback.
      return Future.failedFuture(new NodeCallException(info.id(), 0, "NETWORK", "the gateway is stopping"));
    }
    return sent.recover(e -> {
      AnswerTooLargeException tooLarge = AnswerTooLargeException.in(e);
      return Future.failedFuture(tooLarge != null
          ? new NodeCallException(info.id(), 0, AnswerTooLargeException.REASON, tooLarge.getMessage())
          : new NodeCallException(info.id(), 0, "NETWORK", "unreachable: " + e.getMessage()));
    }).compose(a -> a.status() / 100 == 2
        ? Future.succeededFuture(a)
        : Future.failedFuture(error(info.id(), a.status(), a.body())));
  }

  private static NodeCallException error(String nodeId, int status, Buffer body) {
    // not our error shape: the status is the reason
    Optional<ApiError> e = ApiError.parse(body == null ? null : body.toString(StandardCharsets.UTF_8), status);
    return new NodeCallException(nodeId, status, e.map(ApiError::reason).orElse("HTTP_" + status),
        e.map(ApiError::message).orElse("HTTP " + status));
  }
}
