package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.BodyIntegrityException;
import io.cachet.crypto.BodyLayout;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.ReceiptEntry;
import io.cachet.crypto.protocol.ShareRelease;
import io.cachet.policy.AllowList;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.walrus.WalrusBlobStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The SDK against real servers on loopback; it mostly waits (ledger lag, a time lock), so it runs beside the others. */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("CachetClientTest")
class CachetClientTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final int SEGMENT = BodyLayout.DEFAULT.plaintextSegmentSize();

  @TempDir static Path dir;
  static TestNetwork net;
  static ClientConfig config;
  static final Identity ALICE = Identity.generate(RANDOM);
  static final Identity BOB = Identity.generate(RANDOM);
  static final Identity DAVE = Identity.generate(RANDOM);
  static CachetClient alice;
  static PolicyId policy;

  @BeforeAll
  static void start() throws Exception {
    net = new TestNetwork(dir);
    config = net.config();
    alice = CachetClient.open(config, ALICE);
    policy = alice.createAllowList();
    alice.grant(policy, BOB.address(), Window.ALWAYS);
    net.keyServersCaughtUp();
  }

  @AfterAll
  static void stop() throws Exception {
    alice.close();
    net.close();
  }

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] read(CachetClient c, BlobId blob) throws Exception {
    try (InputStream in = c.open(blob)) {
      return in.readAllBytes();
    }
  }

  @Test
  void roundTrips_ofManySizes_andAMemberOpensThem() throws Exception {
    try (CachetClient bob = CachetClient.open(config, BOB)) {
      for (int n : new int[] {0, 1, SEGMENT - 1, SEGMENT + 17, 3 * SEGMENT + 5}) {
        byte[] plain = bytes(n, n);
        StoredObject stored = alice.put(new ByteArrayInputStream(plain), n, policy, 2);
        assertThat(stored.plaintextLength()).isEqualTo(n);
        assertThat(stored.policyId()).isEqualTo(policy);
        assertThat(read(bob, stored.blobId())).as("size %d", n).isEqualTo(plain);
        EnvelopeHeader h = bob.header(stored.blobId());
        assertThat(h.objectId()).isEqualTo(stored.objectId());
        assertThat(h.envelopeLength()).isEqualTo(stored.storedLength());
      }
    }
  }

  @Test
  void ranges_atSegmentBoundaries_areExactlyThePlaintextSlice() throws Exception {
    byte[] plain = bytes(3 * SEGMENT + 1000, 7);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    try (CachetClient bob = CachetClient.open(config, BOB)) {
      long[][] ranges = {{0, 0}, {0, 1}, {0, SEGMENT}, {SEGMENT - 1, 2}, {SEGMENT, SEGMENT}, {SEGMENT + 1, 1},
          {2L * SEGMENT - 3, SEGMENT + 6}, {plain.length - 1, 1}, {plain.length, 0}, {0, plain.length},
          {12345, 2 * SEGMENT}};
      for (long[] r : ranges) {
        try (InputStream in = bob.open(blob, r[0], r[1])) {
          assertThat(in.readAllBytes()).as("range %d+%d", r[0], r[1])
              .isEqualTo(Arrays.copyOfRange(plain, (int) r[0], (int) (r[0] + r[1])));
        }
      }
      assertThatThrownBy(() -> bob.open(blob, plain.length, 1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> bob.open(blob, -1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aNonMember_isRefused_byEveryServer_withItsReason() throws Exception {
    BlobId blob = alice.put(new ByteArrayInputStream(bytes(100, 1)), 100, policy, 2).blobId();
    try (CachetClient dave = CachetClient.open(config, DAVE)) {
      assertThatThrownBy(() -> read(dave, blob))
          .isInstanceOfSatisfying(AccessRefusedException.class, e -> {
            assertThat(e.reason()).isEqualTo("NOT_A_MEMBER");
            assertThat(e.policy()).isEqualTo(policy);
            assertThat(e.getMessage()).contains("ks-1").contains("ks-2").contains("NOT_A_MEMBER").contains(policy.toString());
            assertThat(e.outcomes()).filteredOn(o -> o.kind() == ServerOutcome.Kind.DENIED).hasSizeGreaterThanOrEqualTo(2);
          });
      assertThat(dave.cachedKeys()).isZero();
    }
  }

  @Test
  void windows_notYetOpen_andClosed_areRefused_withTheWindowsReason() throws Exception {
    Identity early = Identity.generate(RANDOM);
    Identity late = Identity.generate(RANDOM);
    long now = System.currentTimeMillis();
    PolicyId p = alice.createAllowList();
    alice.grant(p, early.address(), new Window(now + 3_600_000, now + 7_200_000));
    alice.grant(p, late.address(), new Window(now - 7_200_000, now - 3_600_000), EndedWindows.ACCEPT);
    BlobId blob = alice.put(new ByteArrayInputStream(bytes(10, 2)), 10, p, 2).blobId();
    net.keyServersCaughtUp();
    try (CachetClient c = CachetClient.open(config, early)) {
      assertThatThrownBy(() -> read(c, blob)).isInstanceOf(AccessRefusedException.class)
          .hasMessageContaining("NOT_YET_VALID");
    }
    try (CachetClient c = CachetClient.open(config, late)) {
      assertThatThrownBy(() -> read(c, blob)).isInstanceOf(AccessRefusedException.class)
          .hasMessageContaining("EXPIRED");
    }
  }

  @Test
  void aRevokedMember_isRefusedWithinTwoSeconds_inANewSession() throws Exception {
    Identity carol = Identity.generate(RANDOM);
    PolicyId p = alice.createAllowList();
    alice.grant(p, carol.address(), Window.ALWAYS);
    byte[] plain = bytes(5000, 3);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, p, 2).blobId();
    net.keyServersCaughtUp();
    try (CachetClient c = CachetClient.open(config, carol)) {
      assertThat(read(c, blob)).isEqualTo(plain);
      alice.revoke(p, carol.address());
      long revoked = System.nanoTime();
      // this session keeps the key it already has
      assertThat(read(c, blob)).isEqualTo(plain);
      while (true) {
        try (CachetClient fresh = CachetClient.open(config, carol)) {
          read(fresh, blob);
        } catch (AccessRefusedException e) {
          assertThat(e.reason()).isEqualTo("NOT_A_MEMBER");
          break;
        }
        assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(Duration.ofSeconds(2));
        Thread.sleep(50);
      }
      // refused by t of them above; every key server, the third included, is past the revocation's
      // block within the same 2 s (revoke returned once that block was committed)
      net.allKeyServersAtHead();
      assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(Duration.ofSeconds(2));
    }
    assertThat(((AllowList) alice.policy(p)).members()).doesNotContainKey(carol.address());
  }

  @Test
  void aGrant_opensAtOnce_whileKeyServersAreBehindTheLedger() throws Exception {
    // two of the three key servers see the ledger 600 ms late: asked the moment the grant is
    // committed, the reader signs the ledger's head and they wait for it instead of refusing
    net.followLedgerWithDelay(1, Duration.ofMillis(600));
    net.followLedgerWithDelay(2, Duration.ofMillis(600));
    try {
      Identity reader = Identity.generate(RANDOM);
      PolicyId p = alice.createAllowList();
      byte[] plain = bytes(3000, 11);
      BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, p, 2).blobId();
      try (CachetClient c = CachetClient.open(config, reader)) {
        c.header(blob);
        alice.grant(p, reader.address(), Window.ALWAYS);
        long asked = System.nanoTime();
        assertThat(read(c, blob)).isEqualTo(plain);
        // the servers' follower lag (600 ms to 1.2 s here) is the wait; the bound is loose on purpose,
        // for a loaded machine: what matters is that nobody refused
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(5));
      }
      // a refusal that stands is still a refusal, once the servers are past the ledger's head
      try (CachetClient d = CachetClient.open(config, DAVE)) {
        long asked = System.nanoTime();
        assertThatThrownBy(() -> read(d, blob)).isInstanceOf(AccessRefusedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(8));
      }
    } finally {
      net.followLedgerWithDelay(1, Duration.ZERO);
      net.followLedgerWithDelay(2, Duration.ZERO);
    }
  }

  @Test
  void aKeyServerHeldBehindTheGrant_answersLedgerBehind_andIsNeverCountedAsADenial() throws Exception {
    Identity reader = Identity.generate(RANDOM);
    PolicyId p = alice.createAllowList();
    byte[] plain = bytes(2500, 12);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, p, 2).blobId();
    try (TestNetwork.LedgerHold held = net.holdableLedger(1, Duration.ofMillis(300))) {
      net.stopKeyServer(3);
      try {
        held.hold();
        long granted = alice.grant(p, reader.address(), Window.ALWAYS);
        assertThat(alice.knownLedgerHeight()).isGreaterThanOrEqualTo(granted);
        // ks-1 never sees the grant, ks-3 is down: one share of two, and no refusal among the answers
        try (CachetClient c = CachetClient.open(config, reader)) {
          assertThatThrownBy(() -> read(c, blob))
              .isInstanceOfSatisfying(KeyServersUnavailableException.class, e -> {
                assertThat(e.outcomes()).noneMatch(o -> o.kind() == ServerOutcome.Kind.DENIED);
                assertThat(e.outcomes()).anySatisfy(o -> {
                  assertThat(o.serverId()).isEqualTo("ks-1");
                  assertThat(o.kind()).isEqualTo(ServerOutcome.Kind.UNAVAILABLE);
                  assertThat(o.reason()).isEqualTo("LEDGER_BEHIND");
                });
              });
          assertThat(c.knownLedgerHeight()).isGreaterThanOrEqualTo(granted);
        }
        held.release();
        try (CachetClient c = CachetClient.open(config, reader)) {
          assertThat(read(c, blob)).isEqualTo(plain);
        }
      } finally {
        net.startKeyServer(3);
      }
    }
  }

  @Test
  void aRequestStampedBeforeTheKeyServersRestarted_isSignedAgain_andOpens() throws Exception {
    byte[] plain = bytes(1500, 13);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    Instant beforeRestart = Instant.now();
    for (int i = 1; i <= 3; i++) {
      net.stopKeyServer(i);
      net.startKeyServer(i);
    }
    // the reader's first requests are stamped before every key server started; the retries are not
    Clock stampsEarlyAtFirst = new Clock() {
      private volatile long firstUse;

      @Override
      public Instant instant() {
        long now = System.nanoTime();
        if (firstUse == 0) {
          firstUse = now;
        }
        return now - firstUse < Duration.ofMillis(300).toNanos() ? beforeRestart : Instant.now();
      }

      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }
    };
    try (CachetClient bob = CachetClient.open(config, BOB, stampsEarlyAtFirst)) {
      assertThat(read(bob, blob)).isEqualTo(plain);
    }
    // the key server did refuse the early stamp (its audit log says so), and the retry was answered
    assertThat(new String(Files.readAllBytes(net.keyServers.get(0).auditLogFile()), StandardCharsets.ISO_8859_1))
        .contains("REQUEST_BEFORE_RESTART");
  }

  @Test
  void keyServersDroppingARequestAtTheirDeadline_areAskedAgain_andTheFileOpens() throws Exception {
    byte[] plain = bytes(1024, 15);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    net.keyServersCaughtUp();
    try (OverloadedKeyServerProxy ks1 = OverloadedKeyServerProxy.start(net.vertx, net.keyServers.get(0).port(), 1);
        OverloadedKeyServerProxy ks2 = OverloadedKeyServerProxy.start(net.vertx, net.keyServers.get(1).port(), 1);
        OverloadedKeyServerProxy ks3 = OverloadedKeyServerProxy.start(net.vertx, net.keyServers.get(2).port(), 1)) {
      // every server drops the first request it gets: only asking again can reach the threshold
      ClientConfig overloaded = ClientConfig.parse(net.descriptor(Map.of(), Map.of("ks-1", ks1.port(), "ks-2",
          ks2.port(), "ks-3", ks3.port())));
      try (CachetClient bob = CachetClient.open(overloaded, BOB)) {
        assertThat(read(bob, blob)).isEqualTo(plain);
      }
      assertThat(ks1.dropped() + ks2.dropped() + ks3.dropped()).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void aTimeLock_refusesBefore_andOpensAfter() throws Exception {
    Instant unlock = Instant.now().plusSeconds(2);
    PolicyId lock = alice.createTimeLock(unlock);
    byte[] plain = bytes(777, 4);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, lock, 2).blobId();
    net.keyServersCaughtUp();
    try (CachetClient dave = CachetClient.open(config, DAVE)) {
      assertThatThrownBy(() -> read(dave, blob)).isInstanceOf(AccessRefusedException.class)
          .hasMessageContaining("LOCKED");
    }
    Thread.sleep(Math.max(0, Duration.between(Instant.now(), unlock).toMillis()) + 300);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      try (CachetClient dave = CachetClient.open(config, DAVE)) {
        assertThat(read(dave, blob)).isEqualTo(plain);
        break;
      } catch (AccessRefusedException e) {
        // the key servers judge by ledger time, a heartbeat behind the clock
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(100);
      }
    }
  }

  @Test
  void oneKeyServerDown_stillOpens_twoDown_failsFast_namingThem() throws Exception {
    byte[] plain = bytes(2000, 5);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    net.stopKeyServer(3);
    try {
      try (CachetClient bob = CachetClient.open(config, BOB)) {
        assertThat(read(bob, blob)).isEqualTo(plain);
      }
      net.stopKeyServer(2);
      try (CachetClient bob = CachetClient.open(config, BOB)) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> read(bob, blob))
            .isInstanceOfSatisfying(KeyServersUnavailableException.class, e -> assertThat(e.getMessage())
                .contains("ks-2: unavailable").contains("ks-3: unavailable"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(config.requestTimeout());
      }
    } finally {
      net.startKeyServer(2);
      net.startKeyServer(3);
    }
  }

  @Test
  void aReceiptNamingAnotherLedger_isBadReceipt_evenWhenSignedByThePinnedKey() throws Exception {
    byte[] plain = bytes(1000, 8);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    Identity forger = Identity.generate(RANDOM);
    try (ResigningKeyServerProxy honest1 = ResigningKeyServerProxy.start(net.vertx, net.keyServers.get(0).port(),
            forger, null);
        ResigningKeyServerProxy honest2 = ResigningKeyServerProxy.start(net.vertx, net.keyServers.get(1).port(),
            forger, null);
        ResigningKeyServerProxy swap1 = ResigningKeyServerProxy.start(net.vertx, net.keyServers.get(0).port(),
            forger, "eip155:31337:0x" + "ee".repeat(20));
        ResigningKeyServerProxy swap2 = ResigningKeyServerProxy.start(net.vertx, net.keyServers.get(1).port(),
            forger, "eip155:31337:0x" + "ee".repeat(20))) {
      Map<String, VerifyingKey> pins = Map.of("ks-1", forger.verifyingKey(), "ks-2", forger.verifyingKey());
      // re-signed but naming the envelope's ledger: the receipts pass (the forger's key is pinned)
      ClientConfig resigned = ClientConfig.parse(net.descriptor(pins, Map.of("ks-1", honest1.port(), "ks-2",
          honest2.port())));
      try (CachetClient bob = CachetClient.open(resigned, BOB)) {
        assertThat(read(bob, blob)).isEqualTo(plain);
      }
      ClientConfig swapped = ClientConfig.parse(net.descriptor(pins, Map.of("ks-1", swap1.port(), "ks-2",
          swap2.port())));
      try (CachetClient bob = CachetClient.open(swapped, BOB)) {
        assertThatThrownBy(() -> read(bob, blob))
            .isInstanceOfSatisfying(KeyServersUnavailableException.class, e -> assertThat(e.outcomes())
                .filteredOn(o -> o.kind() == ServerOutcome.Kind.INVALID)
                .extracting(ServerOutcome::reason).containsExactlyInAnyOrder("BAD_RECEIPT", "BAD_RECEIPT"));
      }
    }
  }

  /** A hostile answer: what the proxy makes of the real one, and the reason the client must refuse it with. */
  record Tampering(boolean primed, boolean realPins, ResigningKeyServerProxy.Tamper tamper, String reason) {}

  static final Identity FORGER = Identity.generate(RANDOM);

  static Stream<Arguments> tamperings() {
    return Stream.of(
        Arguments.of(Named.of("receipt signed by another key", new Tampering(false, true, (req, r, prev) ->
            ResigningKeyServerProxy.resigned(FORGER, r, r.items(), r.receipt().entries(), r.sealedShares()),
            "BAD_RECEIPT"))),
        Arguments.of(Named.of("decision flipped in the response", new Tampering(false, false, (req, r, prev) ->
            ResigningKeyServerProxy.resigned(FORGER, r, List.of(ItemResult.denied(0, "NOT_A_MEMBER", "no")),
                r.receipt().entries(), null), "BAD_RECEIPT"))),
        Arguments.of(Named.of("decision flipped in the receipt", new Tampering(false, false, (req, r, prev) ->
            ResigningKeyServerProxy.resigned(FORGER, r, r.items(),
                List.of(ReceiptEntry.denied(0, "NOT_A_MEMBER", req.items().get(0), 1, 1, new byte[0])),
                r.sealedShares()), "BAD_RECEIPT"))),
        Arguments.of(Named.of("receipt entry naming another item", new Tampering(false, false, (req, r, prev) -> {
          ReceiptEntry e = r.receipt().entries().get(0);
          byte[] digest = e.itemDigest();
          digest[0] ^= 1;
          return ResigningKeyServerProxy.resigned(FORGER, r, r.items(), List.of(new ReceiptEntry(0, e.decision(),
              e.reason(), digest, e.ledgerId(), e.policyId(), e.objectId(), e.shareIndex(), e.ledgerHeight(),
              e.ledgerTimeMillis(), e.decisionBlockHash())), r.sealedShares());
        }, "BAD_RECEIPT"))),
        Arguments.of(Named.of("sealed shares of another response", new Tampering(true, false, (req, r, prev) ->
            ResigningKeyServerProxy.resigned(FORGER, r, r.items(), r.receipt().entries(),
                prev == null ? r.sealedShares() : prev.sealedShares()), "BAD_SHARE"))),
        Arguments.of(Named.of("the response to another request", new Tampering(true, true, (req, r, prev) ->
            prev, "WRONG_RESPONSE"))),
        Arguments.of(Named.of("the receipt of another request", new Tampering(true, true, (req, r, prev) ->
            prev == null ? null : FetchKeyResponse.of(r.requestId(), r.keyServerId(), r.ledgerHeight(), r.items(),
                prev.sealedShares(), prev.receipt()), "BAD_RECEIPT"))),
        Arguments.of(Named.of("share moved to another slot", new Tampering(false, false, (req, r, prev) -> {
          ShareContext c = req.items().get(0).context();
          int other = c.index() % c.shareCount() + 1;
          ShareContext moved = new ShareContext(c.formatVersion(), c.ledgerId(), c.policyId(), c.objectId(),
              c.threshold(), c.shareCount(), c.keyServerId(), other);
          byte[] value = new byte[32];
          RANDOM.nextBytes(value);
          byte[] sealed = ShareRelease.seal(req.requestId(), List.of(new ShareRelease.Released(0, moved)),
              List.of(new Share(other, value)), req.responseKey());
          return ResigningKeyServerProxy.resigned(FORGER, r, r.items(), r.receipt().entries(), sealed);
        }, "BAD_SHARE"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tamperings")
  void aTamperedAnswer_isInvalidWithItsReason_andNeverAShare(Tampering t) throws Exception {
    byte[] plain = bytes(500, 11);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    try (ResigningKeyServerProxy p1 = ResigningKeyServerProxy.start(net.vertx, net.keyServers.get(0).port(), t.tamper());
        ResigningKeyServerProxy p2 = ResigningKeyServerProxy.start(net.vertx, net.keyServers.get(1).port(),
            t.tamper())) {
      Map<String, VerifyingKey> pins = t.realPins() ? Map.of()
          : Map.of("ks-1", FORGER.verifyingKey(), "ks-2", FORGER.verifyingKey());
      ClientConfig hostile = ClientConfig.parse(net.descriptor(pins, Map.of("ks-1", p1.port(), "ks-2", p2.port())));
      if (t.primed()) {
        try (CachetClient first = CachetClient.open(hostile, BOB)) {
          assertThat(read(first, blob)).as("the first answers pass unchanged").isEqualTo(plain);
        }
      }
      try (CachetClient bob = CachetClient.open(hostile, BOB)) {
        assertThatThrownBy(() -> read(bob, blob))
            .isInstanceOfSatisfying(KeyServersUnavailableException.class, e -> assertThat(e.outcomes())
                .filteredOn(o -> o.kind() == ServerOutcome.Kind.INVALID)
                .extracting(ServerOutcome::reason).containsExactlyInAnyOrder(t.reason(), t.reason()));
      }
    }
  }

  @Test
  void aServerPinnedToAnotherKey_doesNotCount_butTheOthersSuffice() throws Exception {
    byte[] plain = bytes(3000, 6);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    Identity impostor = Identity.generate(RANDOM);
    ClientConfig onePinWrong = net.config(Map.of("ks-1", impostor.verifyingKey()));
    try (CachetClient bob = CachetClient.open(onePinWrong, BOB)) {
      assertThat(read(bob, blob)).isEqualTo(plain);
    }
    ClientConfig twoPinsWrong = net.config(Map.of("ks-1", impostor.verifyingKey(), "ks-2", impostor.verifyingKey()));
    try (CachetClient bob = CachetClient.open(twoPinsWrong, BOB)) {
      assertThatThrownBy(() -> read(bob, blob))
          .isInstanceOfSatisfying(KeyServersUnavailableException.class, e -> assertThat(e.outcomes())
              .filteredOn(o -> o.kind() == ServerOutcome.Kind.INVALID)
              .extracting(ServerOutcome::reason).containsOnly("BAD_RECEIPT"));
    }
    // sealing refuses a server whose descriptor is not signed by the pinned key
    try (CachetClient a = CachetClient.open(onePinWrong, ALICE)) {
      assertThatThrownBy(() -> a.put(new ByteArrayInputStream(plain), plain.length, policy, 2))
          .hasMessageContaining("ks-1").hasMessageContaining("not signed by its pinned key");
    }
  }

  @Test
  void aTamperedBody_isRefusedBeforeItsBytesAreReleased() throws Exception {
    List<KeyServerKey> keys = net.keyServers.stream()
        .map(s -> new KeyServerKey(s.serverId(), s.descriptor().hpkePublicKey())).toList();
    byte[] plain = bytes(2 * SEGMENT, 8);
    ByteArrayOutputStream sealed = new ByteArrayOutputStream();
    EnvelopeHeader h = Envelope.seal(new SealParameters(TestNetwork.LEDGER, policy, 2, keys),
        new ByteArrayInputStream(plain), plain.length, sealed, RANDOM);
    byte[] envelope = sealed.toByteArray();
    envelope[h.encodedLength() + SEGMENT + 100] ^= 1; // inside the second segment
    BlobId blob;
    try (WalrusBlobStore store = WalrusBlobStore.connect(net.gateway().toString(), net.gateway().toString())) {
      blob = store.store(BlobSource.ofBytes(envelope), StoreOptions.epochs(2)).blobId();
    }
    try (CachetClient bob = CachetClient.open(config, BOB); InputStream in = bob.open(blob)) {
      assertThat(in.readNBytes(1000)).isEqualTo(Arrays.copyOf(plain, 1000));
      assertThatThrownBy(in::readAllBytes).isInstanceOf(BodyIntegrityException.class);
    }
    // a range over the altered segment fails too; one that avoids it reads fine
    try (CachetClient bob = CachetClient.open(config, BOB)) {
      assertThatThrownBy(() -> {
        try (InputStream in = bob.open(blob, SEGMENT - 10, 2000)) {
          in.readAllBytes();
        }
      }).isInstanceOf(BodyIntegrityException.class);
      try (InputStream in = bob.open(blob, 0, 10)) {
        assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOf(plain, 10));
      }
    }
  }

  @Test
  void aSessionKeepsTheKeys_itFetched_evenWithEveryKeyServerDown() throws Exception {
    byte[] plain = bytes(4000, 9);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    try (CachetClient bob = CachetClient.open(config, BOB)) {
      assertThat(read(bob, blob)).isEqualTo(plain);
      assertThat(bob.cachedKeys()).isEqualTo(1);
      for (int i = 1; i <= 3; i++) {
        net.stopKeyServer(i);
      }
      try {
        assertThat(read(bob, blob)).isEqualTo(plain);
        try (InputStream in = bob.open(blob, 10, 20)) {
          assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(plain, 10, 30));
        }
      } finally {
        for (int i = 1; i <= 3; i++) {
          net.startKeyServer(i);
        }
      }
    }
  }

  @Test
  void policyChanges_byAnOutsider_areRefusedByTheLedger() throws Exception {
    try (CachetClient dave = CachetClient.open(config, DAVE)) {
      assertThatThrownBy(() -> dave.grant(policy, DAVE.address(), Window.ALWAYS))
          .isInstanceOfSatisfying(LedgerRefusedException.class, e -> assertThat(e.reason()).isEqualTo("NOT_AUTHORIZED"));
      assertThatThrownBy(() -> dave.policy(PolicyId.random(RANDOM)))
          .isInstanceOfSatisfying(LedgerRefusedException.class, e -> assertThat(e.reason()).isEqualTo("UNKNOWN_POLICY"));
    }
    AllowList list = (AllowList) alice.policy(policy);
    assertThat(list.owner()).isEqualTo(ALICE.address());
    assertThat(list.members()).containsKey(BOB.address()).doesNotContainKey(DAVE.address());
  }

  /** The descriptor with {@code genesisDigest} pinned next to the ledger id. */
  private static String pinned(String genesisDigest) {
    return net.descriptor(java.util.Map.of()).replace("\"ledgerId\":", "\"genesisDigest\":\"" + genesisDigest
        + "\",\"ledgerId\":");
  }

  @Test
  void theLedger_isNamedByItsSignedGenesis_andPoliciesAreDerivedOnIt() throws Exception {
    assertThat(((EmbeddedPolicyChain) alice.policies()).ledger()).isEqualTo(net.ledger());
    Identity erin = Identity.generate(RANDOM);
    try (CachetClient client = CachetClient.open(ClientConfig.parse(pinned(net.ledger().genesisHex())), erin)) {
      PolicyId mine = client.createAllowList();
      assertThat(mine).isEqualTo(io.cachet.policy.LedgerState.policyIdFor(net.ledger(), erin.address(), 0));
      assertThat(client.policy(mine).owner()).isEqualTo(erin.address());
    }
  }

  @Test
  void aDescriptorPinningAnotherGenesis_isRefusedWrongLedger_beforeAnythingIsSigned() throws Exception {
    byte[] other = new byte[32];
    RANDOM.nextBytes(other);
    String otherHex = io.cachet.crypto.Hex.to0x(other);
    try (CachetClient dave = CachetClient.open(ClientConfig.parse(pinned(otherHex)), DAVE)) {
      assertThatThrownBy(dave::createAllowList).isInstanceOfSatisfying(LedgerRefusedException.class, e -> {
        assertThat(e.reason()).isEqualTo("WRONG_LEDGER");
        assertThat(e.getMessage()).contains(net.ledger().toString()).contains(otherHex.substring(0, 18));
      });
    }
    assertThatThrownBy(() -> ClientConfig.parse(pinned("0x1234"))).isInstanceOf(io.cachet.crypto.FormatException.class)
        .hasMessageContaining("ledger.genesisDigest");
  }
}
