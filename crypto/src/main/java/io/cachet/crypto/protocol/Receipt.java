package io.cachet.crypto.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.Names;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Shamir;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.CanonicalWriter;
import io.cachet.crypto.codec.Json;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Set;

/**
 * A key server's signed statement that it released share {@code shareIndex} of {@code objectId}
 * under policy {@code policyId} of ledger {@code ledgerId} to {@code requester}, deciding at ledger
 * height {@code ledgerHeight} (and, where the ledger names blocks by hash, at block
 * {@code decisionBlockHash}). It also binds the digest of the re-sealed share it sent, so a third
 * party holding the response can check that this receipt belongs to it.
 *
 * <p>The ledger id is signed because a policy id names a policy only within its ledger: on an EVM
 * chain any contract may answer for any policy id, so a receipt without the contract could not be
 * told from a release under another contract's policy of the same id.
 *
 * <p>Format {@value #VERSION}: the JSON names its {@code version}; a document without one is a
 * version 1 receipt (no ledger id), refused with a message naming that version.
 */
public record Receipt(
    int version,
    String keyServerId,
    String requestId,
    Address requester,
    String ledgerId,
    PolicyId policyId,
    ObjectId objectId,
    int shareIndex,
    long ledgerHeight,
    long ledgerTimeMillis,
    byte[] decisionBlockHash,
    long decidedAtMillis,
    byte[] releasedShareDigest,
    byte[] signature) {

  /** The receipt format this build writes and reads; version 1 named no ledger and no block hash. */
  public static final int VERSION = 2;

  /** The domain tag of the signed bytes; it names the format version. */
  static final String SIGNING_TAG = "cachet/receipt/v" + VERSION;

  /** Length of a decision block hash when there is one (EVM block hashes are Keccak-256). */
  public static final int BLOCK_HASH_BYTES = 32;

  /** Fields a version 1 receipt had, by which a document without {@code version} is told to be one. */
  private static final Set<String> V1_FIELDS = Set.of("keyServerId", "requestId", "policyId", "releasedShareDigest",
      "signature");

  /** A plain tree reader, only to find the receipts of a response the strict mapping refused. */
  private static final ObjectMapper TREE = new ObjectMapper();

  public Receipt {
    if (version != VERSION) {
      throw new IllegalArgumentException(versionMessage(version));
    }
    Names.check(keyServerId, "keyServerId");
    FetchKeyRequest.checkRequestId(requestId);
    Objects.requireNonNull(requester, "requester");
    Names.check(ledgerId, "ledgerId");
    Objects.requireNonNull(policyId, "policyId");
    Objects.requireNonNull(objectId, "objectId");
    if (shareIndex < 1 || shareIndex > Shamir.MAX_SHARES
        || ledgerHeight < 0 || ledgerTimeMillis < 0 || decidedAtMillis < 0) {
      throw new IllegalArgumentException("receipt numbers out of range");
    }
    if (decisionBlockHash == null
        || (decisionBlockHash.length != 0 && decisionBlockHash.length != BLOCK_HASH_BYTES)) {
      throw new IllegalArgumentException("decisionBlockHash must be empty or " + BLOCK_HASH_BYTES + " bytes");
    }
    decisionBlockHash = decisionBlockHash.clone();
    if (releasedShareDigest == null || releasedShareDigest.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("releasedShareDigest must be " + Blake2b.DIGEST_BYTES + " bytes");
    }
    releasedShareDigest = releasedShareDigest.clone();
    Objects.requireNonNull(signature, "signature");
    signature = signature.clone();
  }

  /**
   * Signs a receipt for {@code releasedShare}.
   *
   * @param ledgerId the ledger id the envelope names (for EVM, {@code eip155:<chain id>:<contract>})
   * @param decisionBlockHash the hash of the block decided at; empty for a ledger without block hashes
   */
  public static Receipt sign(Identity server, String keyServerId, String requestId, Address requester,
      String ledgerId, PolicyId policyId, ObjectId objectId, int shareIndex, long ledgerHeight, long ledgerTimeMillis,
      byte[] decisionBlockHash, long decidedAtMillis, byte[] releasedShare) {
    Receipt unsigned = new Receipt(VERSION, keyServerId, requestId, requester, ledgerId, policyId, objectId,
        shareIndex, ledgerHeight, ledgerTimeMillis, decisionBlockHash, decidedAtMillis, Blake2b.hash256(releasedShare),
        new byte[0]);
    return new Receipt(VERSION, keyServerId, requestId, requester, ledgerId, policyId, objectId, shareIndex,
        ledgerHeight, ledgerTimeMillis, unsigned.decisionBlockHash, decidedAtMillis, unsigned.releasedShareDigest,
        server.sign(unsigned.signedBytes()));
  }

  /** The bytes the server signs: a tag naming the version, then every field but the signature. */
  public byte[] signedBytes() {
    return CanonicalWriter.tagged(SIGNING_TAG)
        .string8(keyServerId)
        .string8(requestId)
        .fixed(requester.bytes())
        .string8(ledgerId)
        .fixed(policyId.bytes())
        .fixed(objectId.bytes())
        .u8(shareIndex)
        .u64(ledgerHeight)
        .u64(ledgerTimeMillis)
        .bytes8(decisionBlockHash)
        .u64(decidedAtMillis)
        .fixed(releasedShareDigest)
        .toByteArray();
  }

  /** Checks the server's signature, and that the receipt is for exactly this released share. */
  public void verify(VerifyingKey serverKey, byte[] releasedShare) throws InvalidSignatureException {
    serverKey.verify(signedBytes(), signature, "receipt of " + keyServerId);
    if (!MessageDigest.isEqual(Blake2b.hash256(releasedShare), releasedShareDigest)) {
      throw new InvalidSignatureException("receipt of " + keyServerId + " is for another released share");
    }
  }

  @Override
  public byte[] decisionBlockHash() {
    return decisionBlockHash.clone();
  }

  @Override
  public byte[] releasedShareDigest() {
    return releasedShareDigest.clone();
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
      int declared = DeclaredVersion.of(json == null ? null : json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          V1_FIELDS);
      if (declared != VERSION && declared != DeclaredVersion.UNREADABLE) {
        throw new FormatException(versionMessage(declared), e);
      }
      throw e;
    }
  }

  /**
   * The first receipt format version other than this one that the items of a fetch_key response
   * document declare; {@link #VERSION} if none does, {@link DeclaredVersion#UNREADABLE} if the
   * document cannot be read. Never throws.
   */
  static int declaredVersionIn(byte[] responseJson) {
    if (responseJson == null || responseJson.length > Json.MAX_DOCUMENT_BYTES) {
      return DeclaredVersion.UNREADABLE;
    }
    try {
      JsonNode items = TREE.readTree(responseJson).path("items");
      for (JsonNode item : items) {
        JsonNode receipt = item.path("receipt");
        if (receipt.isObject()) {
          int v = DeclaredVersion.of(TREE.writeValueAsBytes(receipt), V1_FIELDS);
          if (v != VERSION) {
            return v;
          }
        }
      }
      return VERSION;
    } catch (java.io.IOException | RuntimeException e) {
      return DeclaredVersion.UNREADABLE;
    }
  }

  static String versionMessage(int version) {
    return "receipt format version " + version + " is not supported; this build reads version " + VERSION
        + (version < VERSION ? " (which signs the envelope's ledger id and the decision block's hash): upgrade the"
            + " key server" : "");
  }
}
