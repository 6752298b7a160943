package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.agent.HeldIdentities;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When probe rounds run: shared by every listener, one at a time, none once nobody listens, and a
 * fresh picture reused. The rounds really run {@code cachet status} in this process, against a
 * state directory with no network (each round ends at once, saying so), and the clock is injected.
 */
class NetworkSnapshotsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path home;
  private Vertx vertx;
  private final AtomicLong now = new AtomicLong(1_000_000);
  private NetworkSnapshots snapshots;

  /** A clock the test moves. */
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now.get());
    }
  };

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    ConsoleRuns runs = new ConsoleRuns(home, null, Map.of(), new HeldIdentities(clock, Duration.ofHours(1)));
    snapshots = new NetworkSnapshots(vertx, runs, null, clock);
  }

  @AfterEach
  void tearDown() throws Exception {
    snapshots.close();
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + PATIENCE + ": " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void listen_manyPages_shareEachRound_andEveryPageHearsTheSameSnapshots() throws Exception {
    List<List<JsonObject>> heard = new ArrayList<>();
    List<Consumer<JsonObject>> pages = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      List<JsonObject> mine = java.util.Collections.synchronizedList(new ArrayList<>());
      heard.add(mine);
      pages.add(mine::add);
    }
    pages.forEach(snapshots::listen);
    await(() -> heard.stream().allMatch(h -> h.size() >= 3), "every page hears three snapshots");
    pages.forEach(snapshots::unlisten);
    await(() -> !snapshots.active(), "the last round ends");

    long rounds = snapshots.rounds();
    for (List<JsonObject> h : heard) {
      assertThat(h.size()).as("one snapshot per round, to every page").isBetween((int) rounds - 1, (int) rounds);
      for (int i = 0; i < Math.min(h.size(), heard.get(0).size()); i++) {
        assertThat(h.get(i)).as("the same round's picture").isSameAs(heard.get(0).get(i));
      }
    }
    assertThat(heard.get(0).get(0).getString("error")).as("no network here, said in the snapshot").isNotBlank();
  }

  @Test
  void unlisten_theLastPage_noFurtherRoundIsStarted() throws Exception {
    List<JsonObject> heard = java.util.Collections.synchronizedList(new ArrayList<>());
    Consumer<JsonObject> page = heard::add;
    snapshots.listen(page);
    await(() -> heard.size() >= 2, "two snapshots");
    snapshots.unlisten(page);
    await(() -> !snapshots.active(), "the round under way ends and none is scheduled");
    long rounds = snapshots.rounds();
    assertThat(snapshots.listening()).isZero();
    // a timer already fired would have started a round by now; none may have been left behind
    assertThat(snapshots.active()).isFalse();
    assertThat(snapshots.rounds()).isEqualTo(rounds);
  }

  @Test
  void snapshot_freshPictureIsReused_anOldOneIsTakenAgain() throws Exception {
    JsonObject first = snapshots.snapshot().await(60, TimeUnit.SECONDS);
    assertThat(snapshots.rounds()).isEqualTo(1);
    assertThat(snapshots.snapshot().await(60, TimeUnit.SECONDS)).isSameAs(first);
    assertThat(snapshots.rounds()).as("younger than a period: no new round").isEqualTo(1);
    assertThat(snapshots.active()).as("nobody listens: nothing scheduled").isFalse();

    now.addAndGet(NetworkSnapshots.PERIOD.toMillis() + 1);
    JsonObject second = snapshots.snapshot().await(60, TimeUnit.SECONDS);
    assertThat(second).isNotSameAs(first);
    assertThat(second.getLong("at")).isGreaterThan(first.getLong("at"));
    assertThat(snapshots.rounds()).isEqualTo(2);
  }
}
