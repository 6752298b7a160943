package io.cachet.crypto.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.Names;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.CanonicalWriter;
import io.cachet.crypto.codec.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A key server's signed statement about one whole {@code fetch_key} request: for request
 * {@code requestId} of {@code requester}, whose signed bytes have the BLAKE2b-256 digest
 * {@code requestDigest}, it decided every item as {@link #entries} say (one per requested item, in
 * request order, released or denied), and released exactly the {@code sealedShares} whose
 * BLAKE2b-256 digest it signs (of the empty string when nothing was released). One signature per
 * response, whatever the batch size.
 *
 * <p>The request digest binds the receipt to the request itself, not only to its id: a third
 * party holding a request and a receipt can tell that the receipt answers exactly that request
 * (its response key, certificate, timestamp and lowest ledger height), since a request id alone is
 * chosen by the requester and could be reused under other fields.
 *
 * <p>Each entry signs its ledger id because a policy id names a policy only within its ledger: on
 * an EVM chain any contract may answer for any policy id, so a receipt without the contract could
 * not be told from a release under another contract's policy of the same id.
 *
 * <p>Format {@value #VERSION} (docs/FORMAT.md section 2): the JSON names its {@code version}; a
 * document of version 2 (one receipt per released item) or without one (version 1) is refused
 * with a message naming that version.
 */
public record Receipt(
    int version,
    String keyServerId,
    String requestId,
    byte[] requestDigest,
    Address requester,
    long decidedAtMillis,
    List<ReceiptEntry> entries,
    byte[] sealedSharesDigest,
    byte[] signature) {

  /** The receipt format this build writes and reads; version 2 covered one released item. */
  public static final int VERSION = 3;

  /** The domain tag of the signed bytes; it names the format version. */
  static final String SIGNING_TAG = "cachet/receipt/v" + VERSION;

  /** Length of a decision block hash when there is one (EVM block hashes are Keccak-256). */
  public static final int BLOCK_HASH_BYTES = 32;

  /** Fields a version 1 receipt had, by which a document without {@code version} is told to be one. */
  private static final Set<String> V1_FIELDS = Set.of("keyServerId", "requestId", "policyId", "releasedShareDigest",
      "signature");

  /** A plain tree reader, only to find the receipt of a response the strict mapping refused. */
  private static final ObjectMapper TREE = new ObjectMapper();

  public Receipt {
    if (version != VERSION) {
      throw new IllegalArgumentException(versionMessage(version));
    }
    Names.check(keyServerId, "keyServerId");
    FetchKeyRequest.checkRequestId(requestId);
    if (requestDigest == null || requestDigest.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("requestDigest must be " + Blake2b.DIGEST_BYTES + " bytes");
    }
    requestDigest = requestDigest.clone();
    Objects.requireNonNull(requester, "requester");
    if (decidedAtMillis < 0) {
      throw new IllegalArgumentException("decidedAtMillis must not be negative");
    }
    entries = List.copyOf(entries);
    if (entries.isEmpty() || entries.size() > FetchKeyRequest.MAX_ITEMS) {
      throw new IllegalArgumentException("a receipt covers 1.." + FetchKeyRequest.MAX_ITEMS + " items, not "
          + entries.size());
    }
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).item() != i) {
        throw new IllegalArgumentException("receipt entries must be one per item, in request order");
      }
    }
    if (sealedSharesDigest == null || sealedSharesDigest.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("sealedSharesDigest must be " + Blake2b.DIGEST_BYTES + " bytes");
    }
    sealedSharesDigest = sealedSharesDigest.clone();
    Objects.requireNonNull(signature, "signature");
    signature = signature.clone();
  }

  /** The digest a receipt signs for a response's {@code sealedShares}; null (nothing released) digests the empty string. */
  public static byte[] sealedSharesDigest(byte[] sealedShares) {
    return Blake2b.hash256(sealedShares == null ? new byte[0] : sealedShares);
  }

  /**
   * Signs the receipt of a whole response.
   *
   * @param requestDigest {@link FetchKeyRequest#digest()} of the request answered
   * @param entries one per requested item, in request order
   * @param sealedShares the response's sealed shares; null when nothing was released
   */
  public static Receipt sign(Identity server, String keyServerId, String requestId, byte[] requestDigest,
      Address requester, long decidedAtMillis, List<ReceiptEntry> entries, byte[] sealedShares) {
    Receipt unsigned = new Receipt(VERSION, keyServerId, requestId, requestDigest, requester, decidedAtMillis,
        entries, sealedSharesDigest(sealedShares), new byte[0]);
    return new Receipt(VERSION, keyServerId, requestId, unsigned.requestDigest, requester, decidedAtMillis,
        unsigned.entries, unsigned.sealedSharesDigest, server.sign(unsigned.signedBytes()));
  }

  /** The bytes the server signs: a tag naming the version, then every field but the signature. */
  public byte[] signedBytes() {
    CanonicalWriter w = CanonicalWriter.tagged(SIGNING_TAG)
        .string8(keyServerId)
        .string8(requestId)
        .fixed(requestDigest)
        .fixed(requester.bytes())
        .u64(decidedAtMillis)
        .fixed(sealedSharesDigest)
        .u8(entries.size());
    for (ReceiptEntry e : entries) {
      e.writeTo(w);
    }
    return w.toByteArray();
  }

  /**
   * Checks the server's signature, and that the receipt is for exactly these sealed shares (null:
   * nothing released).
   */
  public void verify(VerifyingKey serverKey, byte[] sealedShares) throws InvalidSignatureException {
    serverKey.verify(signedBytes(), signature, "receipt of " + keyServerId);
    if (!MessageDigest.isEqual(sealedSharesDigest(sealedShares), sealedSharesDigest)) {
      throw new InvalidSignatureException("receipt of " + keyServerId + " is for other sealed shares");
    }
  }

  /** Whether this receipt answers exactly {@code request}: its signed bytes have the digest signed here. */
  public boolean answers(FetchKeyRequest request) {
    return MessageDigest.isEqual(requestDigest, request.digest());
  }

  @Override
  public byte[] requestDigest() {
    return requestDigest.clone();
  }

  @Override
  public byte[] sealedSharesDigest() {
    return sealedSharesDigest.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  public String toJson() {
    return Json.write(this);
  }

  /**
   * Parses a receipt. A document of another format version is refused with a message naming the
   * version it declares (version 1 when it declares none).
   */
  public static Receipt fromJson(String json) throws FormatException {
    try {
      return Json.read(json, Receipt.class);
    } catch (FormatException e) {
      int declared = DeclaredVersion.of(json == null ? null : json.getBytes(StandardCharsets.UTF_8),
          V1_FIELDS);
      if (declared != VERSION && declared != DeclaredVersion.UNREADABLE) {
        throw new FormatException(versionMessage(declared), e);
      }
      throw e;
    }
  }

  /**
   * The format version the receipt of a fetch_key response document declares;
   * {@link DeclaredVersion#UNREADABLE} if the document or its receipt cannot be read. Never throws.
   */
  static int declaredVersionIn(byte[] responseJson) {
    if (responseJson == null || responseJson.length > Json.MAX_DOCUMENT_BYTES) {
      return DeclaredVersion.UNREADABLE;
    }
    try {
      JsonNode receipt = TREE.readTree(responseJson).path("receipt");
      return receipt.isObject() ? DeclaredVersion.of(TREE.writeValueAsBytes(receipt), V1_FIELDS)
          : DeclaredVersion.UNREADABLE;
    } catch (IOException | RuntimeException e) {
      return DeclaredVersion.UNREADABLE;
    }
  }

  static String versionMessage(int version) {
    return "receipt format version " + version + " is not supported; this build reads version " + VERSION
        + (version < VERSION ? " (one receipt per response, signing every item's decision and the sealed shares):"
            + " upgrade the key server" : "");
  }
}
