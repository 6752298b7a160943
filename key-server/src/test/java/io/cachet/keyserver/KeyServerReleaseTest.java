package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.ReceiptEntry;
import io.cachet.crypto.protocol.ShareRelease;
import io.cachet.keyserver.audit.AuditLog;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Window;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Release decisions against a real ledger: who gets a share, who does not, and why. */
class KeyServerReleaseTest extends KeyServerTestBase {
  private final Identity owner = Identity.generate(Requester.RANDOM);

  private Requester reader(KeyServer... audience) {
    return new Requester(clock, java.util.Arrays.stream(audience).map(KeyServer::serverId).toList());
  }

  /** Moves the clock, waits for a heartbeat block stamped with the new time, and for the servers to apply it. */
  private void advanceLedgerTime(Duration d) throws Exception {
    clock.advance(d);
    long target = clock.millis();
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (ledger.ledgerTime() < target) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no heartbeat block after the clock moved");
      }
      Thread.sleep(10);
    }
    for (KeyServer s : servers) {
      caughtUp(s);
    }
  }

  @Test
  void member_getsBothShares_opensTheKey_andReceiptsVerify() throws Exception {
    KeyServer ks1 = start("ks-1");
    KeyServer ks2 = start("ks-2");
    Requester bob = reader(ks1, ks2);
    PolicyId list = ledger.createAllowList(owner);
    Sequencer.Committed added = ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader header = seal(list, 2, List.of(sealingKey(ks1), sealingKey(ks2)));
    caughtUp(ks1);
    caughtUp(ks2);

    List<Share> shares = new java.util.ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      KeyServer ks = i == 1 ? ks1 : ks2;
      var request = bob.request(ks.serverId(), List.of(FetchKeyItem.of(header, i)));
      FetchKeyResponse response = fetch(ks, request).response();
      assertThat(response.requestId()).isEqualTo(request.requestId());
      assertThat(response.keyServerId()).isEqualTo(ks.serverId());
      ItemResult r = response.items().get(0);
      assertThat(r.isReleased()).as("item %s", r).isTrue();
      response.receipt().verify(ks.descriptor().verifyingKey(), response.sealedShares());
      assertThat(response.receipt().requester()).isEqualTo(bob.address());
      ReceiptEntry entry = response.receipt().entries().get(0);
      assertThat(entry.ledgerHeight()).isGreaterThanOrEqualTo(added.height());
      assertThat(entry.ledgerHeight()).isLessThanOrEqualTo(response.ledgerHeight());
      assertThat(entry.policyId()).isEqualTo(list);
      assertThat(entry.objectId()).isEqualTo(header.objectId());
      assertThat(entry.shareIndex()).isEqualTo(i);
      assertThat(entry.ledgerId()).isEqualTo(header.ledgerId());
      assertThat(entry.itemDigest()).isEqualTo(request.items().get(0).digest());
      assertThat(entry.decisionBlockHash()).as("the embedded ledger names no block by hash").isEmpty();
      shares.add(bob.open(request, response, ks).get(0).share());
    }
    DataKey key = Envelope.recoverKey(header, shares);
    assertThat(key).isNotNull();
    key.destroy();

    AuditLog.Verification audit = AuditLog.verify(ks1.auditLogFile());
    assertThat(audit.ok()).isTrue();
    assertThat(audit.records()).isEqualTo(1);
    io.cachet.keyserver.audit.AuditEvent released = AuditLogTest.entries(ks1.auditLogFile()).get(0).event();
    assertThat(released.ledgerId()).isEqualTo(header.ledgerId());
    assertThat(released.blockHash()).isEmpty();
  }

  @Test
  void sealedShares_openOnlyForTheirRequestAndResponseKey() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = reader(ks);
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    var request = bob.request(ks.serverId(), List.of(FetchKeyItem.of(header, 1)));
    FetchKeyResponse r = fetch(ks, request).response();
    List<ShareRelease.Released> released = List.of(new ShareRelease.Released(0, header.shareContext(1)));

    org.assertj.core.api.Assertions.assertThatThrownBy(() ->
        ShareRelease.open(r.sealedShares(), "0".repeat(32), released, bob.responseKey))
        .hasMessageContaining("do not open");
    org.assertj.core.api.Assertions.assertThatThrownBy(() ->
        ShareRelease.open(r.sealedShares(), request.requestId(), released, HpkeKeyPair.generate()))
        .hasMessageContaining("do not open");
    assertThat(ShareRelease.open(r.sealedShares(), request.requestId(), released, bob.responseKey).get(0).index())
        .isEqualTo(1);
  }

  @Test
  void notAMember_andUnknownPolicy_areDenied() throws Exception {
    KeyServer ks = start("ks-1");
    Requester eve = reader(ks);
    PolicyId list = ledger.createAllowList(owner);
    PolicyId nowhere = PolicyId.random(Requester.RANDOM);
    EnvelopeHeader header = seal(list, ks);
    EnvelopeHeader unknown = seal(nowhere, ks);
    caughtUp(ks);

    ItemResult r = fetchOne(ks, eve, header, 1);
    assertThat(r.isReleased()).isFalse();
    assertThat(r.reason()).isEqualTo("NOT_A_MEMBER");
    assertThat(fetchOne(ks, eve, unknown, 1).reason()).isEqualTo("UNKNOWN_POLICY");
  }

  @Test
  void window_notYetValid_thenValid_thenExpired() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = reader(ks);
    PolicyId list = ledger.createAllowList(owner);
    long t = ledger.ledgerTime();
    ledger.addMember(owner, list, bob.address(), new Window(t + 60_000, t + 180_000));
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);

    ItemResult early = fetchOne(ks, bob, header, 1);
    assertThat(early.reason()).isEqualTo("NOT_YET_VALID");
    assertThat(early.message()).contains(java.time.Instant.ofEpochMilli(t + 60_000).toString());

    advanceLedgerTime(Duration.ofSeconds(90));
    assertThat(fetchOne(ks, bob, header, 1).isReleased()).isTrue();

    advanceLedgerTime(Duration.ofSeconds(100));
    ItemResult late = fetchOne(ks, bob, header, 1);
    assertThat(late.reason()).isEqualTo("EXPIRED");
    assertThat(late.message()).contains(java.time.Instant.ofEpochMilli(t + 180_000).toString());
  }

  @Test
  void removal_isRefusedFromTheBlockThatCommitsIt() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = reader(ks);
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    assertThat(fetchOne(ks, bob, header, 1).isReleased()).isTrue();

    Sequencer.Committed removed = ledger.removeMember(owner, list, bob.address());
    ks.awaitLedgerHeight(removed.height()).await(15, java.util.concurrent.TimeUnit.SECONDS);
    FetchKeyResponse after = fetch(ks, bob, List.of(FetchKeyItem.of(header, 1))).response();

    assertThat(after.items().get(0).reason()).isEqualTo("NOT_A_MEMBER");
    assertThat(after.ledgerHeight()).isGreaterThanOrEqualTo(removed.height());
  }

  @Test
  void timeLock_lockedBefore_openAfter() throws Exception {
    KeyServer ks = start("ks-1");
    Requester anyone = reader(ks);
    long unlockAt = ledger.ledgerTime() + 300_000;
    PolicyId lock = ledger.createTimeLock(owner, unlockAt);
    EnvelopeHeader header = seal(lock, ks);
    caughtUp(ks);

    ItemResult before = fetchOne(ks, anyone, header, 1);
    assertThat(before.reason()).isEqualTo("LOCKED");
    assertThat(before.message()).contains(java.time.Instant.ofEpochMilli(unlockAt).toString());

    advanceLedgerTime(Duration.ofMinutes(6));
    FetchKeyResponse after = fetch(ks, anyone, List.of(FetchKeyItem.of(header, 1))).response();
    assertThat(after.items().get(0).isReleased()).isTrue();
    assertThat(after.receipt().entries().get(0).ledgerTimeMillis()).isGreaterThanOrEqualTo(unlockAt);
  }

  @Test
  void contextSwapped_toAPolicyTheRequesterPasses_isContextMismatch_notADenial() throws Exception {
    KeyServer ks = start("ks-1");
    Requester mallory = reader(ks);
    PolicyId secret = ledger.createAllowList(owner);
    PolicyId own = ledger.createAllowList(mallory.identity);
    ledger.addMember(mallory.identity, own, mallory.address(), Window.ALWAYS);
    EnvelopeHeader header = seal(secret, ks);
    caughtUp(ks);
    ShareContext real = header.shareContext(1);
    byte[] fp = header.slot(1).keyFingerprint();
    byte[] sealed = header.slot(1).sealedShare();

    ShareContext policySwap = new ShareContext(real.formatVersion(), real.ledgerId(), own, real.objectId(),
        real.threshold(), real.shareCount(), real.keyServerId(), real.index());
    ShareContext objectSwap = new ShareContext(real.formatVersion(), real.ledgerId(), own,
        ObjectId.random(Requester.RANDOM), real.threshold(), real.shareCount(), real.keyServerId(), real.index());
    ShareContext thresholdSwap = new ShareContext(real.formatVersion(), real.ledgerId(), own, real.objectId(),
        2, 2, real.keyServerId(), real.index());
    FetchKeyResponse r = fetch(ks, mallory, List.of(new FetchKeyItem(policySwap, fp, sealed),
        new FetchKeyItem(objectSwap, fp, sealed), new FetchKeyItem(thresholdSwap, fp, sealed),
        FetchKeyItem.of(header, 1))).response();

    assertThat(r.items()).extracting(ItemResult::reason)
        .containsExactly("CONTEXT_MISMATCH", "CONTEXT_MISMATCH", "CONTEXT_MISMATCH", "NOT_A_MEMBER");
    assertThat(r.items().get(0).message()).contains("does not open under the context presented");
  }

  @Test
  void otherLedger_andUnknownKey_areNamed() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = reader(ks);
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    ShareContext real = header.shareContext(1);
    ShareContext otherLedger = new ShareContext(real.formatVersion(), "another-ledger", real.policyId(),
        real.objectId(), real.threshold(), real.shareCount(), real.keyServerId(), real.index());
    byte[] strangerKey = HpkeKeyPair.generate().publicKey().fingerprint();

    FetchKeyResponse r = fetch(ks, bob, List.of(
        new FetchKeyItem(otherLedger, header.slot(1).keyFingerprint(), header.slot(1).sealedShare()),
        new FetchKeyItem(real, strangerKey, header.slot(1).sealedShare()),
        FetchKeyItem.of(header, 1))).response();

    assertThat(r.items()).extracting(ItemResult::reason).containsExactly("WRONG_LEDGER", "UNKNOWN_KEY", null);
    assertThat(r.items().get(2).isReleased()).isTrue();
    assertThat(AuditLog.verify(ks.auditLogFile()).records()).isEqualTo(3);
  }
}
