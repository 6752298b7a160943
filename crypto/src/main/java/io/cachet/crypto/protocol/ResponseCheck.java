package io.cachet.crypto.protocol;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Share;
import io.cachet.crypto.VerifyingKey;
import java.time.Duration;
import java.time.Instant;
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
 *       {@code sealedShares} received; it is for this request (its id and the digest of its signed
 *       bytes), requester and server; it was decided within the request window around the
 *       request's timestamp; it has exactly one entry per requested item, in order, each naming
 *       that item (its digest, ledger, policy, object and share index), decided at a ledger height
 *       no lower than the request's {@code minLedgerHeight}, and stating the decision the response
 *       states for it, status and reason code ({@value #BAD_RECEIPT});
 *   <li>the sealed shares open under this request's ephemeral key and the released items'
 *       contexts, to exactly one share per released item, each for its item's slot
 *       ({@value ShareRelease#BAD_SHARE}).
 * </ol>
 *
 * <p>The height rule holds for every entry, released or denied, including items no policy was
 * asked about (a wrong ledger, an unknown key): a key server answers only once its view of the
 * ledger has reached the request's height, and signs that view's height for such items, so an
 * entry below it is a lagging or lying server's and its denial is not taken as the policy's.
 *
 * <p>A denial's {@code message} is not signed (the receipt signs its reason code): it is the
 * server's own words, to show, never to decide on.
 */
public final class ResponseCheck {
  /** Reason code of a response that is not the answer to the request (another request, server or batch). */
  public static final String WRONG_RESPONSE = "WRONG_RESPONSE";

  /** Reason code of a receipt that does not verify or does not account for the response item by item. */
  public static final String BAD_RECEIPT = "BAD_RECEIPT";

  /**
   * The longest a key server may take from checking a request's timestamp to deciding it: its
   * ledger wait (at most 10 s) and a second wait for a crypto worker (at most the 1 min request
   * deadline), with room. A receipt may be stamped this much later than the request window allows.
   */
  public static final Duration MAX_DECISION_DELAY = Duration.ofMinutes(2);

  private ResponseCheck() {}

  /**
   * One checked item: its result, and for a released item its share (the caller destroys it once
   * used); null for a denied one.
   */
  public record Outcome(ItemResult result, Share share) {}

  /**
   * As {@link #open(FetchKeyRequest, FetchKeyResponse, VerifyingKey, Address, HpkeKeyPair, Duration)}
   * with the protocol's longest request window, {@link FetchKeyRequest#MAX_WINDOW}: a requester
   * that keeps no window of its own accepts a decision time any key server could have signed.
   */
  public static List<Outcome> open(FetchKeyRequest request, FetchKeyResponse response, VerifyingKey serverKey,
      Address requester, HpkeKeyPair responseKey) throws CachetSecurityException {
    return open(request, response, serverKey, requester, responseKey, FetchKeyRequest.MAX_WINDOW);
  }

  /**
   * Checks {@code response} in full as the answer of the server holding {@code serverKey} to
   * {@code request}, made by {@code requester} with the ephemeral {@code responseKey}, and returns
   * one outcome per requested item, in request order. The receipt's decision time must lie within
   * {@code window} before the request's timestamp and {@code window} plus
   * {@link #MAX_DECISION_DELAY} after it.
   *
   * @throws CachetSecurityException with reason {@value #WRONG_RESPONSE}, {@value #BAD_RECEIPT} or
   *     {@value ShareRelease#BAD_SHARE}; then no share of the response is returned
   */
  public static List<Outcome> open(FetchKeyRequest request, FetchKeyResponse response, VerifyingKey serverKey,
      Address requester, HpkeKeyPair responseKey, Duration window) throws CachetSecurityException {
    if (window.isNegative()) {
      throw new IllegalArgumentException("the request window must not be negative, was " + window);
    }
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
    if (!receipt.answers(request)) {
      throw new CachetSecurityException(BAD_RECEIPT, "the receipt of " + server + " is for another request with"
          + " the id " + request.requestId() + " (its signed bytes differ: response key, certificate, timestamp,"
          + " height or items)");
    }
    long stamped = request.timestampMillis();
    long decided = receipt.decidedAtMillis();
    if (decided < stamped - window.toMillis() || decided > stamped + window.plus(MAX_DECISION_DELAY).toMillis()) {
      throw new CachetSecurityException(BAD_RECEIPT, "the receipt of " + server + " was decided at "
          + Instant.ofEpochMilli(decided) + ", outside the window of " + window.toSeconds() + " s around the"
          + " request's timestamp " + Instant.ofEpochMilli(stamped));
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
      if (entry.ledgerHeight() < request.minLedgerHeight()) {
        throw new CachetSecurityException(BAD_RECEIPT, "the receipt of " + server + " decided item " + i
            + " at ledger height " + entry.ledgerHeight() + ", below the height " + request.minLedgerHeight()
            + " the request needs decided");
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
