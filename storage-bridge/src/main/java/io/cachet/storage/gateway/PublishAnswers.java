package io.cachet.storage.gateway;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.node.Confirmation;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.apache.commons.codec.binary.Base58;

/**
 * The publisher's JSON answers, in Walrus's {@code BlobStoreResult} shape (camelCase, as Walrus's
 * servers send it): {@code newlyCreated} or {@code alreadyCertified}.
 *
 * <p>Guarantees. A Walrus client parses every field it expects with the type it expects: {@code
 * encodingType} is always {@value #WALRUS_ENCODING_TYPE}, the one value of Walrus's {@code
 * EncodingType} enum, a compatibility label for "Reed–Solomon erasure-coded"; Cachet's real
 * encoding is in {@code blobObject.cachetEncoding} ({@code Encoding.typeName()}), which Walrus
 * clients ignore. {@code alreadyCertified.event.txDigest} is a base58 string of 32 bytes, as a Sui
 * transaction digest is, and the same for every answer about the same certificate (see {@link
 * #txDigest}); {@code eventSeq} is a string. Object ids are random: Cachet creates no Sui objects.
 */
final class PublishAnswers {
  /** What {@code encodingType} always says: Walrus's clients know no other value. */
  static final String WALRUS_ENCODING_TYPE = "RS2";

  private static final SecureRandom RANDOM = new SecureRandom();

  private PublishAnswers() {}

  /**
   * {@code {"newlyCreated": {...}}} for a blob stored now.
   *
   * @param request the parameters it was stored with
   * @param currentEpoch the epoch it was registered in
   * @param endEpoch the epoch it is stored until
   */
  static JsonObject newlyCreated(StripeUpload.Created created, Encoding encoding, PublishRequest request,
      long currentEpoch, long endEpoch) {
    BlobMetadata metadata = created.metadata();
    long size = created.certificate().size();
    long encodedLength = encoding.encodedLength(size);
    JsonObject storage = new JsonObject()
        .put("id", objectId())
        .put("startEpoch", currentEpoch)
        .put("endEpoch", endEpoch)
        .put("storageSize", encodedLength + (long) encoding.n() * metadata.toBytes().length);
    JsonObject blobObject = new JsonObject()
        .put("id", objectId())
        .put("registeredEpoch", currentEpoch)
        .put("blobId", metadata.blobId().toString())
        .put("size", size)
        .put("encodingType", WALRUS_ENCODING_TYPE)
        .put("cachetEncoding", encoding.typeName())
        .put("certifiedEpoch", currentEpoch)
        .put("storage", storage)
        .put("deletable", !request.permanent());
    return new JsonObject().put("newlyCreated", new JsonObject()
        .put("blobObject", blobObject)
        .put("resourceOperation", new JsonObject().put("registerFromScratch",
            new JsonObject().put("encodedLength", encodedLength).put("epochsAhead", request.epochs())))
        .put("cost", 0)
        .put("certificate", created.certificate().toJson()));
  }

  /** {@code {"alreadyCertified": {...}}} for a blob the nodes keep until {@code already.endEpoch()} at least. */
  static JsonObject alreadyCertified(StripeUpload.AlreadyCertified already) {
    JsonObject event = new JsonObject()
        .put("txDigest", txDigest(already.blobId(), already.size(), already.endEpoch()))
        .put("eventSeq", "0");
    return new JsonObject().put("alreadyCertified", new JsonObject()
        .put("blobId", already.blobId().toString())
        .put("event", event)
        .put("endEpoch", already.endEpoch()));
  }

  /**
   * The digest standing for the ledger transaction that recorded the certificate of ({@code blobId},
   * {@code size}, {@code endEpoch}): base58 (Sui's alphabet) of BLAKE2b-256 over the bytes every
   * confirming node signed and the ledger checks ({@link Confirmation#signedBytes}: the tag {@code
   * cachet/storage-confirmation/v1}, the blob id, the size and the end epoch). The transaction's own
   * digest covers its sender's nonce and signature, and neither the certificate sink nor the ledger's
   * certificate record keeps it, so the gateway cannot look it up; this one anyone holding the
   * ledger's record can recompute, and it is the same from every gateway and across restarts.
   */
  static String txDigest(BlobId blobId, long size, long endEpoch) {
    return new Base58().encodeToString(Hashes.blake2b(Confirmation.signedBytes(blobId, size, endEpoch)));
  }

  private static String objectId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return "0x" + HexFormat.of().formatHex(b);
  }
}
