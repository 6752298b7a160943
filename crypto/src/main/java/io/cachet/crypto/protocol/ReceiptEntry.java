package io.cachet.crypto.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.Names;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Shamir;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.codec.CanonicalWriter;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * What a {@link Receipt} says about one requested item: which item (its number and the digest of
 * its bytes as the request signed them), what was decided (released, or denied with a stable
 * reason code), under which ledger, policy, object and share index, and at which ledger height,
 * ledger time and block. Denied items are signed too, so a receipt accounts for the whole request.
 *
 * <p>For an item no policy was asked about (a wrong ledger, a key the server does not hold, too
 * many policies), the height and time are the server's view when it refused the item, and the
 * block hash is empty.
 */
public record ReceiptEntry(
    int item,
    String decision,
    String reason,
    byte[] itemDigest,
    String ledgerId,
    PolicyId policyId,
    ObjectId objectId,
    int shareIndex,
    long ledgerHeight,
    long ledgerTimeMillis,
    byte[] decisionBlockHash) {

  /** Signed code of a released item. */
  static final int RELEASED_CODE = 1;

  /** Signed code of a denied item. */
  static final int DENIED_CODE = 2;

  public ReceiptEntry {
    if (item < 0 || item >= FetchKeyRequest.MAX_ITEMS) {
      throw new IllegalArgumentException("item index out of range");
    }
    Objects.requireNonNull(decision, "decision");
    switch (decision) {
      case ItemResult.RELEASED -> {
        if (reason != null) {
          throw new IllegalArgumentException("a released entry carries no reason");
        }
      }
      case ItemResult.DENIED -> Names.check(reason, "reason");
      default -> throw new IllegalArgumentException("decision must be released or denied, was " + decision);
    }
    if (itemDigest == null || itemDigest.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("itemDigest must be " + Blake2b.DIGEST_BYTES + " bytes");
    }
    itemDigest = itemDigest.clone();
    Names.check(ledgerId, "ledgerId");
    Objects.requireNonNull(policyId, "policyId");
    Objects.requireNonNull(objectId, "objectId");
    if (shareIndex < 1 || shareIndex > Shamir.MAX_SHARES || ledgerHeight < 0 || ledgerTimeMillis < 0) {
      throw new IllegalArgumentException("receipt entry numbers out of range");
    }
    if (decisionBlockHash == null
        || (decisionBlockHash.length != 0 && decisionBlockHash.length != Receipt.BLOCK_HASH_BYTES)) {
      throw new IllegalArgumentException("decisionBlockHash must be empty or " + Receipt.BLOCK_HASH_BYTES + " bytes");
    }
    decisionBlockHash = decisionBlockHash.clone();
  }

  /** The entry of a released item: number {@code item} of the request, decided at that block. */
  public static ReceiptEntry released(int item, FetchKeyItem requested, long ledgerHeight, long ledgerTimeMillis,
      byte[] decisionBlockHash) {
    return of(item, ItemResult.RELEASED, null, requested, ledgerHeight, ledgerTimeMillis, decisionBlockHash);
  }

  /** The entry of a denied item, with the reason code its {@link ItemResult} states. */
  public static ReceiptEntry denied(int item, String reason, FetchKeyItem requested, long ledgerHeight,
      long ledgerTimeMillis, byte[] decisionBlockHash) {
    return of(item, ItemResult.DENIED, reason, requested, ledgerHeight, ledgerTimeMillis, decisionBlockHash);
  }

  private static ReceiptEntry of(int item, String decision, String reason, FetchKeyItem requested,
      long ledgerHeight, long ledgerTimeMillis, byte[] decisionBlockHash) {
    ShareContext ctx = requested.context();
    return new ReceiptEntry(item, decision, reason, requested.digest(), ctx.ledgerId(), ctx.policyId(),
        ctx.objectId(), ctx.index(), ledgerHeight, ledgerTimeMillis, decisionBlockHash);
  }

  /** Derived from {@link #decision}; not a field of the wire form. */
  @JsonIgnore
  public boolean isReleased() {
    return ItemResult.RELEASED.equals(decision);
  }

  /**
   * Whether this entry names exactly {@code requested} as item {@code index} of its request: the
   * same number, the digest of its signed bytes, and its context's ledger, policy, object and
   * share index.
   */
  public boolean names(int index, FetchKeyItem requested) {
    ShareContext ctx = requested.context();
    return item == index && MessageDigest.isEqual(itemDigest, requested.digest())
        && ledgerId.equals(ctx.ledgerId()) && policyId.equals(ctx.policyId()) && objectId.equals(ctx.objectId())
        && shareIndex == ctx.index();
  }

  /** Whether this entry states the decision {@code result} carries: the same status and reason code. */
  public boolean agreesWith(ItemResult result) {
    return item == result.item() && decision.equals(result.status()) && Objects.equals(reason, result.reason());
  }

  /** Appends the signed bytes of this entry (docs/FORMAT.md section 2). */
  void writeTo(CanonicalWriter w) {
    w.u8(item)
        .u8(isReleased() ? RELEASED_CODE : DENIED_CODE)
        .string8(reason == null ? "" : reason)
        .fixed(itemDigest)
        .string8(ledgerId)
        .fixed(policyId.bytes())
        .fixed(objectId.bytes())
        .u8(shareIndex)
        .u64(ledgerHeight)
        .u64(ledgerTimeMillis)
        .bytes8(decisionBlockHash);
  }

  @Override
  public byte[] itemDigest() {
    return itemDigest.clone();
  }

  @Override
  public byte[] decisionBlockHash() {
    return decisionBlockHash.clone();
  }
}
