package io.cachet.crypto.protocol;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Share;
import io.cachet.crypto.VerifyingKey;
import java.util.ArrayList;
import java.util.List;

/**
 * The requester's side of a {@code fetch_key} answer: holds a response against the request it
 * answers and its receipt, and only then opens the released shares.
 *
 * <p>Checks, in this order, each refusing the whole response (no share of it is ever handed out):
 *
 * <ol>
 *   <li>the response is for this request and the server asked, with one result per requested item
 *       ({@value #WRONG_RESPONSE});
 *   <li>the receipt verifies under the server's pinned key and signs the digest of the
 *       {@code sealedShares} received; it is for this request, requester and server; it has
 *       exactly one entry per requested item, in order, each naming that item (its digest,
 *       ledger, policy, object and share index) and stating the decision the response states for
 *       it, status and reason code ({@value #BAD_RECEIPT});
 *   <li>the sealed shares open under this request's ephemeral key and the released items'
 *       contexts, to exactly one share per released item, each for its item's slot
 *       ({@value ShareRelease#BAD_SHARE}).
 * </ol>
 */
public final class ResponseCheck {
  /** Reason code of a response that is not the answer to the request (another request, server or batch). */
  public static final String WRONG_RESPONSE = "WRONG_RESPONSE";

  /** Reason code of a receipt that does not verify or does not account for the response item by item. */
  public static final String BAD_RECEIPT = "BAD_RECEIPT";

  private ResponseCheck() {}

  /**
   * One checked item: its result, and for a released item its share (the caller destroys it once
   * used); null for a denied one.
   */
  public record Outcome(ItemResult result, Share share) {}

  /**
   * Checks {@code response} in full as the answer of the server holding {@code serverKey} to
   * {@code request}, made by {@code requester} with the ephemeral {@code responseKey}, and returns
   * one outcome per requested item, in request order.
   *
   * @throws CachetSecurityException with reason {@value #WRONG_RESPONSE}, {@value #BAD_RECEIPT} or
   *     {@value ShareRelease#BAD_SHARE}; then no share of the response is returned
   */
  public static List<Outcome> open(FetchKeyRequest request, FetchKeyResponse response, VerifyingKey serverKey,
      Address requester, HpkeKeyPair responseKey) throws CachetSecurityException {
    String server = request.keyServerId();
    List<FetchKeyItem> asked = request.items();
    List<ItemResult> results = response.items();
    if (!response.requestId().equals(request.requestId()) || !response.keyServerId().equals(server)
        || results.size() != asked.size()) {
      throw new CachetSecurityException(WRONG_RESPONSE, "the answer of " + server + " is not for request "
          + request.requestId() + " and its " + asked.size() + " item(s)");
    }
    Receipt receipt = response.receipt();
    try {
      receipt.verify(serverKey, response.sealedShares());
    } catch (CachetSecurityException e) {
      throw new CachetSecurityException(BAD_RECEIPT, "the receipt of " + server + " does not verify under its"
          + " pinned key over the sealed shares received: " + e.getMessage(), e);
    }
    if (!receipt.keyServerId().equals(server) || !receipt.requestId().equals(request.requestId())
        || !receipt.requester().equals(requester)) {
      throw new CachetSecurityException(BAD_RECEIPT, "the receipt of " + server + " is for another request,"
          + " requester or key server");
    }
    List<ReceiptEntry> entries = receipt.entries();
    if (entries.size() != asked.size()) {
      throw new CachetSecurityException(BAD_RECEIPT, "the receipt of " + server + " covers " + entries.size()
          + " item(s); the request asked for " + asked.size());
    }
    List<ShareRelease.Released> released = new ArrayList<>();
    for (int i = 0; i < asked.size(); i++) {
      ReceiptEntry entry = entries.get(i);
      if (!entry.names(i, asked.get(i))) {
        throw new CachetSecurityException(BAD_RECEIPT, "the receipt of " + server + " names another item in place "
            + i + " (digest, ledger, policy, object or share index)");
      }
      if (!entry.agreesWith(results.get(i))) {
        throw new CachetSecurityException(BAD_RECEIPT, "the receipt of " + server + " signs another decision for"
            + " item " + i + " than the response states");
      }
      if (entry.isReleased()) {
        released.add(new ShareRelease.Released(i, asked.get(i).context()));
      }
    }
    List<Share> shares = released.isEmpty() ? List.of()
        : ShareRelease.open(response.sealedShares(), request.requestId(), released, responseKey);
    List<Outcome> outcomes = new ArrayList<>(asked.size());
    int k = 0;
    for (ItemResult result : results) {
      outcomes.add(new Outcome(result, result.isReleased() ? shares.get(k++) : null));
    }
    return outcomes;
  }
}
