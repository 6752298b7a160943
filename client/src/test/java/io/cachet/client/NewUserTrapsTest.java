package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traps a new user of the SDK falls into, against a network of real servers: sealing under a
 * policy that does not exist, sealing what one cannot open oneself, and grants that grant nothing.
 */
class NewUserTrapsTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final long HOUR = 3_600_000;

  @TempDir static Path dir;
  static TestNetwork net;
  static ClientConfig config;
  static final Identity ALICE = Identity.generate(RANDOM);
  static final Identity BOB = Identity.generate(RANDOM);
  static CachetClient alice;

  @BeforeAll
  static void start() throws Exception {
    net = new TestNetwork(dir);
    config = net.config();
    alice = CachetClient.open(config, ALICE);
  }

  @AfterAll
  static void stop() throws Exception {
    alice.close();
    net.close();
  }

  /** A plaintext that counts what was read from it: a refusal "before sealing" reads nothing. */
  static final class CountingInput extends InputStream {
    final AtomicLong read = new AtomicLong();
    private final InputStream in;

    CountingInput(byte[] data) {
      this.in = new ByteArrayInputStream(data);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        read.incrementAndGet();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        read.addAndGet(n);
      }
      return n;
    }
  }

  static StoredObject put(CachetClient c, PolicyId policy, String text) throws Exception {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return c.put(new ByteArrayInputStream(b), b.length, policy, 2);
  }

  // ---------------------------------------------------------------- put

  @Test
  void put_underAPolicyTheLedgerDoesNotHave_isRefusedBeforeAByteIsRead() throws Exception {
    PolicyId nowhere = PolicyId.random(RANDOM);
    CountingInput plain = new CountingInput(new byte[100_000]);
    assertThatThrownBy(() -> alice.put(plain, 100_000, nowhere, 2))
        .isInstanceOfSatisfying(UnknownPolicyException.class, e -> {
          assertThat(e.reason()).isEqualTo("UNKNOWN_POLICY");
          assertThat(e.policy()).isEqualTo(nowhere);
          assertThat(e.getMessage()).contains(nowhere.toString()).contains(TestNetwork.LEDGER)
              .contains("nothing was sealed or stored");
        });
    assertThat(plain.read.get()).as("nothing sealed").isZero();
  }

  @Test
  void put_byAnOwnerNotOnTheirOwnAllowList_warnsNotAMember_andStillStores() throws Exception {
    PolicyId p = alice.createAllowList();
    StoredObject stored = put(alice, p, "sealed for others only");
    assertThat(stored.warnings()).singleElement().satisfies(w -> {
      assertThat(w.reason()).isEqualTo("NOT_A_MEMBER");
      assertThat(w.message()).contains(ALICE.address().toString()).contains(p.toString());
    });
    assertThat(alice.header(stored.blobId()).policyId()).isEqualTo(p);

    alice.grant(p, ALICE.address(), Window.ALWAYS);
    assertThat(put(alice, p, "now she can read it too").warnings()).isEmpty();
  }

  @Test
  void put_underATimeLockNotYetOpen_warnsLocked_andAMemberWindowNotYetOpen_warnsNotYetValid() throws Exception {
    PolicyId lock = alice.createTimeLock(Instant.now().plus(Duration.ofDays(1)));
    assertThat(put(alice, lock, "tomorrow").warnings()).singleElement()
        .satisfies(w -> assertThat(w.reason()).isEqualTo("LOCKED"));

    PolicyId p = alice.createAllowList();
    long now = System.currentTimeMillis();
    alice.grant(p, ALICE.address(), new Window(now + HOUR, now + 2 * HOUR));
    assertThat(put(alice, p, "in an hour").warnings()).singleElement()
        .satisfies(w -> assertThat(w.reason()).isEqualTo("NOT_YET_VALID"));
  }

  // ---------------------------------------------------------------- grants

  @Test
  void grant_ofAWindowThatEndedAlready_isRefusedBeforeSigning_andNothingIsRecorded() throws Exception {
    PolicyId p = alice.createAllowList();
    Window over = new Window(0, Instant.parse("2020-01-01T00:00:00Z").toEpochMilli());
    assertThatThrownBy(() -> alice.grant(p, BOB.address(), over))
        .isInstanceOfSatisfying(GrantWindowException.class, e -> {
          assertThat(e.reason()).isEqualTo(GrantWindowException.WINDOW_ENDED);
          assertThat(e.getMessage()).contains("2020-01-01T00:00:00Z").contains("ledger time");
        });
    assertThat(((AllowList) alice.policy(p)).members()).isEmpty();
  }

  @Test
  void changeWindow_toOneThatEndedAlready_isRefused_unlessAccepted() throws Exception {
    PolicyId p = alice.createAllowList();
    alice.grant(p, BOB.address(), Window.ALWAYS);
    long now = System.currentTimeMillis();
    Window over = new Window(now - 2 * HOUR, now - HOUR);
    assertThatThrownBy(() -> alice.changeWindow(p, BOB.address(), over))
        .isInstanceOfSatisfying(GrantWindowException.class,
            e -> assertThat(e.reason()).isEqualTo(GrantWindowException.WINDOW_ENDED));
    assertThat(((AllowList) alice.policy(p)).members().get(BOB.address())).isEqualTo(Window.ALWAYS);

    alice.changeWindow(p, BOB.address(), over, EndedWindows.ACCEPT);
    assertThat(((AllowList) alice.policy(p)).members().get(BOB.address())).isEqualTo(over);
  }

  @Test
  void grant_ofAnEndedWindow_withAccept_isRecorded() throws Exception {
    PolicyId p = alice.createAllowList();
    long now = System.currentTimeMillis();
    Window over = new Window(now - 2 * HOUR, now - HOUR);
    alice.grant(p, BOB.address(), over, EndedWindows.ACCEPT);
    assertThat(((AllowList) alice.policy(p)).members().get(BOB.address())).isEqualTo(over);
  }

  @Test
  void grant_ofAWindowEndingBeforeItStarts_isRefusedAsInvalid_evenWhenEndedOnesAreAccepted() throws Exception {
    PolicyId p = alice.createAllowList();
    long now = System.currentTimeMillis();
    Window inverted = new Window(now + 2 * HOUR, now + HOUR);
    assertThatThrownBy(() -> alice.grant(p, BOB.address(), inverted, EndedWindows.ACCEPT))
        .isInstanceOfSatisfying(GrantWindowException.class, e -> {
          assertThat(e.reason()).isEqualTo(GrantWindowException.INVALID_WINDOW);
          assertThat(e.getMessage()).contains("before or when it starts");
        });
  }

  @Test
  void grant_isJudgedByLedgerTime_notByAClockThatRunsAhead() throws Exception {
    Clock dayAhead = Clock.offset(Clock.systemUTC(), Duration.ofDays(1));
    try (CachetClient ahead = CachetClient.open(config, ALICE, dayAhead)) {
      PolicyId p = ahead.createAllowList();
      long now = System.currentTimeMillis();
      Window nextHour = new Window(now, now + HOUR);
      ahead.grant(p, BOB.address(), nextHour);
      assertThat(((AllowList) ahead.policy(p)).members().get(BOB.address())).isEqualTo(nextHour);
    }
  }

  @Test
  void grant_whenTheLedgerDoesNotAnswer_isJudgedByThisMachinesClock() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ClientConfig.Builder b = ClientConfig.builder()
        .ledger(URI.create("http://127.0.0.1:" + closedPort), TestNetwork.LEDGER, config.sequencerKey())
        .threshold(config.threshold())
        .storage(config.publisher(), config.aggregator())
        .requestTimeout(Duration.ofSeconds(2));
    config.keyServers().forEach(k -> b.keyServer(k.id(), k.url(), k.signingKey()));
    Clock fixed = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
    try (CachetClient offline = CachetClient.open(b.build(), ALICE, fixed)) {
      Window endsIn2029 = new Window(0, Instant.parse("2029-06-01T00:00:00Z").toEpochMilli());
      assertThatThrownBy(() -> offline.grant(PolicyId.random(RANDOM), BOB.address(), endsIn2029))
          .isInstanceOfSatisfying(GrantWindowException.class,
              e -> assertThat(e.getMessage()).contains("this machine's clock").contains("2030-01-01T00:00:00Z"));
    }
  }

  @Test
  void aReaderGrantedByTheOwner_opensWhatWasSealedWithAWarning() throws Exception {
    PolicyId p = alice.createAllowList();
    alice.grant(p, BOB.address(), Window.ALWAYS);
    StoredObject stored = put(alice, p, "for bob");
    assertThat(stored.warnings()).extracting(SealWarning::reason).containsExactly("NOT_A_MEMBER");
    net.keyServersCaughtUp();
    BlobId blob = stored.blobId();
    try (CachetClient bob = CachetClient.open(config, BOB); InputStream in = bob.open(blob)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("for bob");
    }
  }
}
