package io.cachet.storage.node;

import com.google.crypto.tink.subtle.Ed25519Verify;
import io.cachet.storage.BlobId;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * A node's signed statement that it has persisted and verified its shards of a blob and will keep
 * them until {@code endEpoch} (exclusive). The signed bytes are {@link #signedBytes}: the length
 * of the tag as one byte, the tag "cachet/storage-confirmation/v1", the blob id, the unencoded
 * size and the end epoch as u64 big-endian. The ledger rebuilds exactly these bytes to check a
 * certificate, so they must never change for version 1.
 */
public record Confirmation(String nodeId, byte[] publicKey, BlobId blobId, long size, long endEpoch,
    byte[] signature) {
  public static final String TAG = "cachet/storage-confirmation/v1";

  public Confirmation {
    if (publicKey.length != 32 || signature.length != 64) {
      throw new IllegalArgumentException("an Ed25519 key is 32 bytes and a signature 64");
    }
    publicKey = publicKey.clone();
    signature = signature.clone();
  }

  public static Confirmation sign(String nodeId, NodeKey key, BlobId blobId, long size, long endEpoch) {
    return new Confirmation(nodeId, key.publicKey(), blobId, size, endEpoch,
        key.sign(signedBytes(blobId, size, endEpoch)));
  }

  public static byte[] signedBytes(BlobId blobId, long size, long endEpoch) {
    byte[] tag = TAG.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + tag.length + BlobId.LENGTH + 16)
        .put((byte) tag.length).put(tag).put(blobId.bytes()).putLong(size).putLong(endEpoch)
        .array();
  }

  /** Whether the signature is this key's over these fields. */
  public boolean verifies() {
    try {
      new Ed25519Verify(publicKey).verify(signature, signedBytes(blobId, size, endEpoch));
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  public JsonObject toJson() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return new JsonObject()
        .put("nodeId", nodeId)
        .put("publicKey", b64.encodeToString(publicKey))
        .put("blobId", blobId.toString())
        .put("size", size)
        .put("endEpoch", endEpoch)
        .put("signature", b64.encodeToString(signature));
  }

  /** Parses the JSON form; a missing or malformed field throws IllegalArgumentException. */
  public static Confirmation fromJson(JsonObject j) {
    try {
      Base64.Decoder b64 = Base64.getUrlDecoder();
      return new Confirmation(
          requireText(j, "nodeId"),
          b64.decode(requireText(j, "publicKey")),
          BlobId.parse(requireText(j, "blobId")),
          j.getLong("size"),
          j.getLong("endEpoch"),
          b64.decode(requireText(j, "signature")));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("malformed confirmation", e);
    }
  }

  private static String requireText(JsonObject j, String field) {
    String v = j.getString(field);
    if (v == null) {
      throw new IllegalArgumentException("confirmation: missing " + field);
    }
    return v;
  }
}
