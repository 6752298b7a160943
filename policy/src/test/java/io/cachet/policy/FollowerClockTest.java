package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyLedger.LedgerView;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ledger time cannot run ahead of a follower's clock: a real sequencer whose clock is ten minutes
 * fast, and a small ledger serving hand-stamped blocks, against followers with clocks the tests
 * move.
 */
class FollowerClockTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String LEDGER = "cachet-test";
  private static final String HOST = "127.0.0.1";
  private static final Duration HEARTBEAT = Duration.ofMillis(150);
  private static final long TOLERANCE_MS = Follower.DEFAULT_CLOCK_TOLERANCE.toMillis();

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final Identity sequencerKey = Identity.generate(RANDOM);
  private Sequencer sequencer;
  private final List<Follower> followers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    followers.forEach(Follower::close);
    vertx.close().await(10, TimeUnit.SECONDS);
    if (sequencer != null) {
      sequencer.close();
    }
  }

  private String startLedger(OffsetClock clock) throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, HEARTBEAT, clock), sequencerKey);
    LedgerServer server = new LedgerServer(sequencer, HOST, 0);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    return "http://" + HOST + ":" + server.port();
  }

  private Follower follow(String url, OffsetClock clock) {
    Follower f = Follower.start(vertx, new Follower.Config(url, LEDGER, sequencerKey.verifyingKey(),
        Duration.ofSeconds(1), clock));
    followers.add(f);
    return f;
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(15, TimeUnit.SECONDS);
  }

  private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 15 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  // ---------------------------------------------------------------- a real sequencer running ahead

  @Test
  void sequencerTenMinutesAhead_followerHoldsItsBlocks_timeLockStaysShut_untilItsOwnClockArrives() throws Exception {
    OffsetClock sequencerClock = new OffsetClock();
    OffsetClock followerClock = new OffsetClock();
    Follower follower = follow(startLedger(sequencerClock), followerClock);
    Identity alice = Identity.generate(RANDOM);
    long unlockAt = System.currentTimeMillis() + Duration.ofMinutes(5).toMillis();
    PolicyId lock = LedgerState.policyIdFor(sequencer.ledger(), alice.address(), 0);
    Sequencer.Committed created = get(sequencer.submit(Transaction.sign(alice, sequencer.ledger(), 0,
        new Operation.CreateTimeLock(unlockAt))));
    get(follower.awaitHeight(created.height()));
    assertThat(follower.evaluate(lock, alice.address()).reason()).isEqualTo(Reason.LOCKED);

    sequencerClock.advance(Duration.ofMinutes(10));
    eventually("the sequencer stamps a block past the unlock time", () -> sequencer.head().timestamp() >= unlockAt);
    eventually("the follower holds the block stamped ahead", () -> follower.status().heldHeight() >= 0);

    Follower.Status held = follower.status();
    assertThat(held.heldBlockTime()).isGreaterThan(followerClock.millis() + TOLERANCE_MS);
    assertThat(held.height()).isLessThan(held.heldHeight());
    Decision whileHeld = follower.evaluate(lock, alice.address());
    assertThat(whileHeld.allowed()).as("the sequencer's fast clock opens no time lock").isFalse();
    assertThat(whileHeld.reason()).isEqualTo(Reason.LOCKED);
    assertThat(whileHeld.ledgerTime()).isLessThan(unlockAt);
    assertThat(follower.view().ledgerTime()).isLessThanOrEqualTo(followerClock.millis() + TOLERANCE_MS);

    // the follower's own clock reaches the blocks' stamps (less than the tolerance short): they apply
    followerClock.advance(Duration.ofMinutes(10).minusSeconds(4));
    long head = sequencer.head().height();
    get(follower.awaitHeight(head));
    assertThat(follower.status().heldHeight()).isEqualTo(-1);
    Decision opened = follower.evaluate(lock, alice.address());
    assertThat(opened.allowed()).isTrue();
    assertThat(opened.ledgerTime()).isGreaterThanOrEqualTo(unlockAt);
  }

  // ---------------------------------------------------------------- hand-stamped blocks

  /** Serves {@code /v1/blocks} from a list of blocks; asked past its end, waits a little and answers "nothing new". */
  private final class StampedLedger {
    final List<Block> chain = new CopyOnWriteArrayList<>();
    final AtomicInteger requests = new AtomicInteger();
    HttpServer server;

    String start() throws Exception {
      server = vertx.createHttpServer().requestHandler(this::handle).listen(0, HOST).await(10, TimeUnit.SECONDS);
      return "http://" + HOST + ":" + server.actualPort();
    }

    private void handle(HttpServerRequest req) {
      requests.incrementAndGet();
      long from = Long.parseLong(req.getParam("from"));
      List<Block> snapshot = List.copyOf(chain);
      if (from < snapshot.size()) {
        answer(req, snapshot, from);
      } else {
        vertx.setTimer(100, t -> answer(req, snapshot, from));
      }
    }

    private void answer(HttpServerRequest req, List<Block> snapshot, long from) {
      JsonArray blocks = new JsonArray();
      snapshot.subList((int) Math.min(from, snapshot.size()), snapshot.size())
          .forEach(b -> blocks.add(Base64Url.encode(b.encoded())));
      req.response().putHeader("content-type", "application/json").end(new JsonObject().put("ledgerId", LEDGER)
          .put("head", snapshot.size() - 1).put("blocks", blocks).encode());
    }
  }

  @Test
  void blockStampedAhead_heldWithoutPolling_thenAppliedOnceTheClockReachesItsStampMinusTheTolerance()
      throws Exception {
    long t0 = 1_800_000_000_000L;
    OffsetClock clock = OffsetClock.frozenAt(t0);
    Block genesis = Block.sign(sequencerKey, LEDGER, 0, Block.GENESIS_PARENT, t0 - 1_000, List.of());
    Block ahead = Block.sign(sequencerKey, LEDGER, 1, genesis.hash(), t0 + 60_000, List.of());
    Block after = Block.sign(sequencerKey, LEDGER, 2, ahead.hash(), t0 + 60_000, List.of());
    StampedLedger ledger = new StampedLedger();
    ledger.chain.addAll(List.of(genesis, ahead, after));
    Follower follower = follow(ledger.start(), clock);

    eventually("block 1 is held", () -> follower.status().heldHeight() == 1);
    assertThat(follower.view().height()).isZero();
    assertThat(follower.status().heldBlockTime()).isEqualTo(t0 + 60_000);

    clock.advance(Duration.ofMillis(60_000 - TOLERANCE_MS - 1));
    int polls = ledger.requests.get();
    Thread.sleep(3 * Follower.HOLD_RECHECK_MS / 2); // more than one recheck of the clock
    assertThat(follower.view().height()).as("one millisecond short of the tolerance: still held").isZero();
    assertThat(follower.status().heldHeight()).isEqualTo(1);
    assertThat(ledger.requests.get()).as("holding asks the ledger nothing").isEqualTo(polls);

    clock.advance(Duration.ofMillis(1));
    get(follower.awaitHeight(2));
    LedgerView v = follower.view();
    assertThat(v.ledgerTime()).isEqualTo(t0 + 60_000);
    assertThat(v.appliedAt()).isEqualTo(t0 + 60_000 - TOLERANCE_MS);
    assertThat(follower.status().heldHeight()).isEqualTo(-1);
    assertThat(follower.status().halted()).isFalse();
  }

  @Test
  void blockStampedAheadWithinTheTolerance_appliedAtOnce_andItsAgeCountsFromWhenItWasApplied() throws Exception {
    long t0 = 1_800_000_000_000L;
    OffsetClock clock = OffsetClock.frozenAt(t0);
    Block genesis = Block.sign(sequencerKey, LEDGER, 0, Block.GENESIS_PARENT, t0 + TOLERANCE_MS, List.of());
    StampedLedger ledger = new StampedLedger();
    ledger.chain.add(genesis);
    Follower follower = follow(ledger.start(), clock);

    get(follower.awaitHeight(0));
    LedgerView v = follower.view();
    assertThat(v.ledgerTime()).isEqualTo(t0 + TOLERANCE_MS);
    assertThat(v.appliedAt()).isEqualTo(t0);
    // ten seconds later by the follower's clock the view is ten seconds old, not five
    assertThat(v.ageMillis(t0 + 10_000)).isEqualTo(10_000);
    assertThat(v.ageMillis(t0)).isZero();
  }

  @Test
  void blockStampedInThePast_ageCountsFromItsStamp() throws Exception {
    long t0 = 1_800_000_000_000L;
    OffsetClock clock = OffsetClock.frozenAt(t0);
    StampedLedger ledger = new StampedLedger();
    ledger.chain.add(Block.sign(sequencerKey, LEDGER, 0, Block.GENESIS_PARENT, t0 - 30_000, List.of()));
    Follower follower = follow(ledger.start(), clock);

    get(follower.awaitHeight(0));
    LedgerView v = follower.view();
    assertThat(v.appliedAt()).isEqualTo(t0);
    assertThat(v.ageMillis(t0)).isEqualTo(30_000);
  }

  @Test
  void config_toleranceOutsideZeroToAMinute_refused() {
    Follower.Config ok = new Follower.Config("http://" + HOST + ":1", LEDGER, sequencerKey.verifyingKey(),
        Duration.ofSeconds(1), new OffsetClock());
    assertThat(ok.clockTolerance()).isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> new Follower.Config(ok.ledgerUrl(), LEDGER,
        ok.sequencerKey(), ok.pollWait(), ok.clock(), Duration.ofSeconds(61)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clockTolerance must be 0 to 60 s");
    assertThatThrownBy(() -> new Follower.Config(ok.ledgerUrl(), LEDGER,
        ok.sequencerKey(), ok.pollWait(), ok.clock(), Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
