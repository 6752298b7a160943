package io.cachet.crypto.protocol;

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
import java.util.Objects;

/**
 * A key server's signed statement that it released share {@code shareIndex} of {@code objectId}
 * under {@code policyId} to {@code requester}, deciding at ledger height {@code ledgerHeight}.
 * It also binds the digest of the re-sealed share it sent, so a third party holding the response
 * can check that this receipt belongs to it.
 */
public record Receipt(
    String keyServerId,
    String requestId,
    Address requester,
    PolicyId policyId,
    ObjectId objectId,
    int shareIndex,
    long ledgerHeight,
    long ledgerTimeMillis,
    long decidedAtMillis,
    byte[] releasedShareDigest,
    byte[] signature) {

  public Receipt {
    Names.check(keyServerId, "keyServerId");
    FetchKeyRequest.checkRequestId(requestId);
    Objects.requireNonNull(requester, "requester");
    Objects.requireNonNull(policyId, "policyId");
    Objects.requireNonNull(objectId, "objectId");
    if (shareIndex < 1 || shareIndex > Shamir.MAX_SHARES
        || ledgerHeight < 0 || ledgerTimeMillis < 0 || decidedAtMillis < 0) {
      throw new IllegalArgumentException("receipt numbers out of range");
    }
    if (releasedShareDigest == null || releasedShareDigest.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("releasedShareDigest must be " + Blake2b.DIGEST_BYTES + " bytes");
    }
    releasedShareDigest = releasedShareDigest.clone();
    Objects.requireNonNull(signature, "signature");
    signature = signature.clone();
  }

  public static Receipt sign(Identity server, String keyServerId, String requestId, Address requester,
      PolicyId policyId, ObjectId objectId, int shareIndex, long ledgerHeight, long ledgerTimeMillis,
      long decidedAtMillis, byte[] releasedShare) {
    Receipt unsigned = new Receipt(keyServerId, requestId, requester, policyId, objectId, shareIndex, ledgerHeight,
        ledgerTimeMillis, decidedAtMillis, Blake2b.hash256(releasedShare), new byte[0]);
    return new Receipt(keyServerId, requestId, requester, policyId, objectId, shareIndex, ledgerHeight,
        ledgerTimeMillis, decidedAtMillis, unsigned.releasedShareDigest, server.sign(unsigned.signedBytes()));
  }

  public byte[] signedBytes() {
    return CanonicalWriter.tagged("cachet/receipt/v1")
        .string8(keyServerId)
        .string8(requestId)
        .fixed(requester.bytes())
        .fixed(policyId.bytes())
        .fixed(objectId.bytes())
        .u8(shareIndex)
        .u64(ledgerHeight)
        .u64(ledgerTimeMillis)
        .u64(decidedAtMillis)
        .fixed(releasedShareDigest)
        .toByteArray();
  }

  /** Checks the server's signature, and that the receipt is for exactly this released share. */
  public void verify(VerifyingKey serverKey, byte[] releasedShare) throws InvalidSignatureException {
    serverKey.verify(signedBytes(), signature, "receipt of " + keyServerId);
    if (!java.security.MessageDigest.isEqual(Blake2b.hash256(releasedShare), releasedShareDigest)) {
      throw new InvalidSignatureException("receipt of " + keyServerId + " is for another released share");
    }
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

  public static Receipt fromJson(String json) throws FormatException {
    return Json.read(json, Receipt.class);
  }
}
