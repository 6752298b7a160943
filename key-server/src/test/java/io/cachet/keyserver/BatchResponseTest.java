package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.Receipt;
import io.cachet.crypto.protocol.ReceiptEntry;
import io.cachet.crypto.protocol.ResponseCheck;
import io.cachet.crypto.protocol.ShareRelease;
import io.cachet.policy.Window;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One sealing and one receipt per response, from a real key server: a batch with released and
 * denied items opens each released share for its own item; a response changed after the fact
 * (re-signed by a key the checker is made to trust, so only the item-by-item checks can catch it)
 * is refused whole, and no share of it comes out.
 */
class BatchResponseTest extends KeyServerTestBase {
  private static final int OBJECTS = 12;

  private final Identity owner = Identity.generate(Requester.RANDOM);
  /** Signs the altered receipts; the checks below trust it as the server's key. */
  private final Identity forger = Identity.generate(Requester.RANDOM);
  private KeyServer ks;
  private Requester bob;
  /** Even objects are under a list Bob is on, odd ones under one he is not. */
  private final List<EnvelopeHeader> headers = new ArrayList<>();

  @BeforeEach
  void sealObjects() throws Exception {
    ks = start("ks-1");
    bob = new Requester(clock, List.of("ks-1"));
    PolicyId member = ledger.createAllowList(owner);
    PolicyId other = ledger.createAllowList(owner);
    ledger.addMember(owner, member, bob.address(), Window.ALWAYS);
    for (int i = 0; i < OBJECTS; i++) {
      headers.add(seal(i % 2 == 0 ? member : other, ks));
    }
    caughtUp(ks);
  }

  private FetchKeyRequest batch() {
    return bob.request("ks-1", headers.stream().map(h -> FetchKeyItem.of(h, 1)).toList());
  }

  private List<ResponseCheck.Outcome> checkTrustingForger(FetchKeyRequest request, FetchKeyResponse response)
      throws CachetSecurityException {
    return ResponseCheck.open(request, response, forger.verifyingKey(), bob.address(), bob.responseKey);
  }

  private FetchKeyResponse resigned(FetchKeyResponse r, List<ItemResult> items, List<ReceiptEntry> entries,
      byte[] sealedShares) {
    Receipt receipt = Receipt.sign(forger, r.keyServerId(), r.requestId(), r.receipt().requestDigest(),
        r.receipt().requester(), r.receipt().decidedAtMillis(), entries, sealedShares);
    return FetchKeyResponse.of(r.requestId(), r.keyServerId(), r.ledgerHeight(), items, sealedShares, receipt);
  }

  private static String reasonOf(ThrowingCheck check) {
    try {
      check.run();
    } catch (CachetSecurityException e) {
      return e.reason();
    }
    throw new AssertionError("the altered response was accepted");
  }

  private interface ThrowingCheck {
    void run() throws CachetSecurityException;
  }

  @Test
  void batch_someDenied_opensEachReleasedShareForItsOwnItem() throws Exception {
    FetchKeyRequest request = batch();
    FetchKeyResponse response = fetch(ks, request).response();

    List<ResponseCheck.Outcome> outcomes = bob.open(request, response, ks);

    assertThat(response.releasedCount()).isEqualTo(OBJECTS / 2);
    assertThat(response.receipt().entries()).hasSize(OBJECTS);
    // the receipt names the request itself, so a third party holding both can tell which one it answers
    assertThat(response.receipt().requestDigest()).isEqualTo(request.digest());
    assertThat(response.receipt().decidedAtMillis()).isBetween(request.timestampMillis()
        - FetchKeyRequest.MAX_WINDOW.toMillis(), request.timestampMillis() + FetchKeyRequest.MAX_WINDOW.toMillis());
    assertThat(response.receipt().entries()).allSatisfy(e ->
        assertThat(e.ledgerHeight()).isGreaterThanOrEqualTo(request.minLedgerHeight()));
    for (int i = 0; i < OBJECTS; i++) {
      ResponseCheck.Outcome o = outcomes.get(i);
      if (i % 2 == 0) {
        // threshold 1: the share alone rebuilds the key only if it is this object's, checked by its commitment
        DataKey key = Envelope.recoverKey(headers.get(i), List.of(o.share()));
        assertThat(key).as("item %d", i).isNotNull();
        key.destroy();
        o.share().destroy();
      } else {
        assertThat(o.share()).as("item %d", i).isNull();
        assertThat(o.result().reason()).isEqualTo("NOT_A_MEMBER");
        assertThat(response.receipt().entries().get(i).reason()).isEqualTo("NOT_A_MEMBER");
      }
    }
    assertThat(response.sealedShares()).as("one sealing: enc, tag and 1 + 34 bytes per share")
        .hasSize(32 + 16 + 1 + 34 * (OBJECTS / 2));
  }

  @Test
  void requestWindowLimit_isTheProtocolsMaximumTheClientJudgesReceiptsBy() {
    // a key server allowed a longer window could sign decision times a client refuses as BAD_RECEIPT
    assertThat(KeyServerConfig.MAX_REQUEST_WINDOW).isEqualTo(FetchKeyRequest.MAX_WINDOW);
  }

  @Test
  void batch_deniedItemsOnly_carriesNoSealedSharesAndAReceiptForEveryItem() throws Exception {
    FetchKeyRequest request = bob.request("ks-1", List.of(FetchKeyItem.of(headers.get(1), 1),
        FetchKeyItem.of(headers.get(3), 1)));
    FetchKeyResponse response = fetch(ks, request).response();

    assertThat(response.sealedShares()).isNull();
    assertThat(bob.open(request, response, ks)).extracting(ResponseCheck.Outcome::share).containsOnlyNulls();
    assertThat(response.receipt().entries()).extracting(ReceiptEntry::decision)
        .containsExactly(ItemResult.DENIED, ItemResult.DENIED);
  }

  @Test
  void alteredBatch_itemDroppedOrEntryDropped_isRefused() throws Exception {
    FetchKeyRequest request = batch();
    FetchKeyResponse r = fetch(ks, request).response();
    List<ReceiptEntry> entries = r.receipt().entries();
    // the control: re-signed unchanged, it passes
    assertThat(checkTrustingForger(request, resigned(r, r.items(), entries, r.sealedShares()))).hasSize(OBJECTS);

    List<ItemResult> fewer = r.items().subList(0, OBJECTS - 1);
    assertThat(reasonOf(() -> checkTrustingForger(request,
        resigned(r, fewer, entries.subList(0, OBJECTS - 1), r.sealedShares())))).isEqualTo(ResponseCheck.WRONG_RESPONSE);
    assertThat(reasonOf(() -> checkTrustingForger(request,
        resigned(r, r.items(), entries.subList(0, OBJECTS - 1), r.sealedShares())))).isEqualTo(ResponseCheck.BAD_RECEIPT);
  }

  @Test
  void alteredBatch_entriesReordered_isBadReceipt() throws Exception {
    FetchKeyRequest request = batch();
    FetchKeyResponse r = fetch(ks, request).response();
    List<ReceiptEntry> swapped = new ArrayList<>(r.receipt().entries());
    ReceiptEntry a = swapped.get(0);
    ReceiptEntry b = swapped.get(2);
    swapped.set(0, renumbered(b, 0));
    swapped.set(2, renumbered(a, 2));

    assertThat(reasonOf(() -> checkTrustingForger(request, resigned(r, r.items(), swapped, r.sealedShares()))))
        .isEqualTo(ResponseCheck.BAD_RECEIPT);
  }

  @Test
  void alteredBatch_releasedItemTurnedDenied_isRefusedAndItsShareNeverOpened() throws Exception {
    FetchKeyRequest request = batch();
    FetchKeyResponse r = fetch(ks, request).response();
    List<ItemResult> items = new ArrayList<>(r.items());
    List<ReceiptEntry> entries = new ArrayList<>(r.receipt().entries());
    items.set(0, ItemResult.denied(0, "NOT_A_MEMBER", "no"));
    ReceiptEntry e = entries.get(0);

    // flipped in the response only: the receipt still says released
    assertThat(reasonOf(() -> checkTrustingForger(request, resigned(r, items, r.receipt().entries(),
        r.sealedShares())))).isEqualTo(ResponseCheck.BAD_RECEIPT);
    // flipped in both: the sealed shares then answer items the response no longer releases
    entries.set(0, ReceiptEntry.denied(0, "NOT_A_MEMBER", request.items().get(0), e.ledgerHeight(),
        e.ledgerTimeMillis(), e.decisionBlockHash()));
    assertThat(reasonOf(() -> checkTrustingForger(request, resigned(r, items, entries, r.sealedShares()))))
        .isEqualTo(ShareRelease.BAD_SHARE);
  }

  @Test
  void alteredBatch_sealedSharesOfAnotherResponse_isRefused() throws Exception {
    FetchKeyRequest first = batch();
    FetchKeyResponse one = fetch(ks, first).response();
    FetchKeyRequest second = batch();
    FetchKeyResponse two = fetch(ks, second).response();

    // as sent, the receipt signs the digest of its own sealed shares
    FetchKeyResponse swapped = FetchKeyResponse.of(two.requestId(), two.keyServerId(), two.ledgerHeight(),
        two.items(), one.sealedShares(), two.receipt());
    assertThat(reasonOf(() -> bob.open(second, swapped, ks))).isEqualTo(ResponseCheck.BAD_RECEIPT);
    // re-signed over them, the shares still do not open for this request
    assertThat(reasonOf(() -> checkTrustingForger(second, resigned(two, two.items(), two.receipt().entries(),
        one.sealedShares())))).isEqualTo(ShareRelease.BAD_SHARE);
  }

  @Test
  void alteredBatch_responseOrReceiptOfAnotherRequest_isRefused() throws Exception {
    FetchKeyRequest first = batch();
    FetchKeyResponse one = fetch(ks, first).response();
    FetchKeyRequest second = batch();
    FetchKeyResponse two = fetch(ks, second).response();

    assertThat(reasonOf(() -> bob.open(second, one, ks))).isEqualTo(ResponseCheck.WRONG_RESPONSE);
    FetchKeyResponse oldReceipt = FetchKeyResponse.of(two.requestId(), two.keyServerId(), two.ledgerHeight(),
        one.items(), one.sealedShares(), one.receipt());
    assertThat(reasonOf(() -> bob.open(second, oldReceipt, ks))).isEqualTo(ResponseCheck.BAD_RECEIPT);
  }

  @Test
  void alteredBatch_shareMovedToAnotherSlot_isBadShare() throws Exception {
    FetchKeyRequest request = bob.request("ks-1", List.of(FetchKeyItem.of(headers.get(0), 1)));
    FetchKeyResponse r = fetch(ks, request).response();
    ShareContext c = request.items().get(0).context();
    // the same object sealed 1-of-2, its share put in slot 2's place
    ShareContext moved = new ShareContext(c.formatVersion(), c.ledgerId(), c.policyId(), c.objectId(), 1, 2,
        c.keyServerId(), 2);
    byte[] value = new byte[32];
    Requester.RANDOM.nextBytes(value);
    byte[] sealed = ShareRelease.seal(request.requestId(), List.of(new ShareRelease.Released(0, moved)),
        List.of(new io.cachet.crypto.Share(2, value)), request.responseKey());

    assertThat(reasonOf(() -> checkTrustingForger(request, resigned(r, r.items(), r.receipt().entries(), sealed))))
        .isEqualTo(ShareRelease.BAD_SHARE);
  }

  @Test
  void response_toAnotherResponseKey_doesNotOpen() throws Exception {
    FetchKeyRequest request = batch();
    FetchKeyResponse r = fetch(ks, request).response();

    assertThatThrownBy(() -> ResponseCheck.open(request, r, ks.descriptor().verifyingKey(), bob.address(),
        HpkeKeyPair.generate())).isInstanceOfSatisfying(CachetSecurityException.class,
            e -> assertThat(e.reason()).isEqualTo(ShareRelease.BAD_SHARE));
  }

  private static ReceiptEntry renumbered(ReceiptEntry e, int item) {
    return new ReceiptEntry(item, e.decision(), e.reason(), e.itemDigest(), e.ledgerId(), e.policyId(), e.objectId(),
        e.shareIndex(), e.ledgerHeight(), e.ledgerTimeMillis(), e.decisionBlockHash());
  }
}
