package io.cachet.storage.node;

import io.cachet.storage.codec.Hashes;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The signature a publisher puts on every write to a storage node (upload stripe, commit, abort,
 * repair install, repair stripe, certificate), carried in five headers. It binds the write to
 * one method, one path with its query (so to one upload, blob and stripe), one moment, one nonce
 * and one body: a captured request cannot be replayed onto another blob, another stripe or with
 * another body, and a replay of the same request is refused by the node's nonce memory
 * ({@link PublisherTrust}).
 *
 * <p>Signed bytes (Ed25519, all integers big-endian):
 *
 * <pre>
 * u8(23) || "cachet/storage-write/v1"
 * u16(len) || method (ASCII, e.g. PUT)
 * u16(len) || path and query exactly as sent (UTF-8)
 * u64 timestamp (milliseconds since 1970, the publisher's clock)
 * u8(16) || nonce
 * 32-byte SHA-256 of the body (of no bytes for a request without one)
 * </pre>
 *
 * <p>For a shard body the digest is the shard's digest as the metadata lists it, so the publisher
 * signs what it already hashed.
 */
public final class WriteSignature {
  /** Header: the publisher's Ed25519 public key, URL-safe base64 without padding. */
  public static final String PUBLISHER = "X-Cachet-Publisher";
  /** Header: the signing time, decimal milliseconds since 1970. */
  public static final String TIMESTAMP = "X-Cachet-Timestamp";
  /** Header: {@link #NONCE_BYTES} random bytes, URL-safe base64 without padding. */
  public static final String NONCE = "X-Cachet-Nonce";
  /** Header: the SHA-256 of the body, URL-safe base64 without padding. */
  public static final String BODY_SHA256 = "X-Cachet-Body-Sha256";
  /** Header: the Ed25519 signature over {@link #signedBytes}, URL-safe base64 without padding. */
  public static final String SIGNATURE = "X-Cachet-Signature";
  /** Random bytes per request; enough that two requests never share a nonce by chance. */
  public static final int NONCE_BYTES = 16;
  /** Longest path and query signed; a node's paths are far shorter. */
  static final int MAX_PATH_BYTES = 1024;

  private static final byte[] TAG = "cachet/storage-write/v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EMPTY_DIGEST = Hashes.shardDigest(new byte[0], 0, 0);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private WriteSignature() {}

  /** The SHA-256 of no bytes: the body digest of a request without a body. */
  public static byte[] emptyBodyDigest() {
    return EMPTY_DIGEST.clone();
  }

  /** The SHA-256 of a body. */
  public static byte[] bodyDigest(byte[] body, int offset, int length) {
    return Hashes.shardDigest(body, offset, length);
  }

  /**
   * The five headers that sign one request with a fresh nonce.
   *
   * @param pathAndQuery the request target exactly as it will be sent, e.g. {@code /v1/uploads/u/stripes/3}
   * @param bodyDigest the SHA-256 of the body that will be sent
   */
  public static Map<String, String> sign(NodeKey publisher, String method, String pathAndQuery, long timestampMillis,
      byte[] bodyDigest) {
    Objects.requireNonNull(publisher, "publisher");
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    byte[] signature = publisher.sign(signedBytes(method, pathAndQuery, timestampMillis, nonce, bodyDigest));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(PUBLISHER, B64.encodeToString(publisher.publicKey()));
    headers.put(TIMESTAMP, Long.toString(timestampMillis));
    headers.put(NONCE, B64.encodeToString(nonce));
    headers.put(BODY_SHA256, B64.encodeToString(bodyDigest));
    headers.put(SIGNATURE, B64.encodeToString(signature));
    return headers;
  }

  /** The bytes a publisher signs (the layout in the class comment). */
  static byte[] signedBytes(String method, String pathAndQuery, long timestampMillis, byte[] nonce,
      byte[] bodyDigest) {
    byte[] m = method.getBytes(StandardCharsets.US_ASCII);
    byte[] p = pathAndQuery.getBytes(StandardCharsets.UTF_8);
    if (m.length > 16 || p.length > MAX_PATH_BYTES) {
      throw new IllegalArgumentException("method or path too long to sign");
    }
    if (nonce.length != NONCE_BYTES || bodyDigest.length != Hashes.DIGEST_BYTES) {
      throw new IllegalArgumentException("a nonce is " + NONCE_BYTES + " bytes and a body digest "
          + Hashes.DIGEST_BYTES);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + p.length);
    out.write(TAG.length);
    out.writeBytes(TAG);
    out.writeBytes(ByteBuffer.allocate(2).putShort((short) m.length).array());
    out.writeBytes(m);
    out.writeBytes(ByteBuffer.allocate(2).putShort((short) p.length).array());
    out.writeBytes(p);
    out.writeBytes(ByteBuffer.allocate(8).putLong(timestampMillis).array());
    out.write(nonce.length);
    out.writeBytes(nonce);
    out.writeBytes(bodyDigest);
    return out.toByteArray();
  }
}
