package io.cachet.policy;

import io.cachet.common.http.Endpoints;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
import io.cachet.common.http.BoundedBody;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the embedded ledger: long-polls its blocks, checks each (sequencer signature, ledger
 * id, hash chain, time never going back, every transaction valid) and applies it to a state of its
 * own, against which it evaluates policies. Key servers embed one.
 *
 * <p>Time: a block stamped later than this follower's clock plus {@link Config#clockTolerance} is
 * not applied yet. The follower checks it (signature and chain), holds it and the blocks after it
 * in memory, and applies them once its clock reaches the stamp minus the tolerance, looking at the
 * clock again at least every {@link #HOLD_RECHECK_MS} (so an injected clock that jumps is seen)
 * and polling nothing meanwhile. So a sequencer whose clock runs ahead cannot move this follower's
 * ledger time past its own clock by more than the tolerance: time locks do not open early, and
 * the view stops advancing, which makes it stale. Each view records when its block was applied by
 * this follower's clock ({@link LedgerView#appliedAt}), and {@link #evaluate} ends windows at the
 * later of ledger time and that clock.
 *
 * <p>Failures: the ledger being down or restarting is a transient error: the follower retries with
 * backoff and resumes from its own head, so it neither skips nor repeats a block. A block that
 * fails its checks is refused and the follower keeps its head (a ledger that lost or rewrote
 * history therefore leaves this follower stale, and key servers then fail closed). A correctly
 * signed block with an invalid transaction halts the follower for good.
 *
 * <p>Threads: polling runs on the Vert.x event loop and never blocks it; checking and applying
 * blocks (signature checks) runs in ordered blocking tasks. {@link #evaluate} may be called from
 * any thread; a read lock makes it see whole blocks only, with the matching height and time.
 */
public final class Follower implements PolicyLedger, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Follower.class);

  /** Blocks asked for per poll. */
  private static final int BLOCKS_PER_POLL = 1000;
  /**
   * Most bytes of one page of blocks: what the ledger sends at most (its page limit, plus the one
   * block that always goes), in base64, with room for the JSON around each block. A ledger that
   * sends more is cut off there and the poll fails like any other.
   */
  static final long MAX_BLOCK_PAGE_BYTES = (LedgerServer.MAX_RESPONSE_BLOCK_BYTES + Block.MAX_ENCODED_BYTES) * 4 / 3
      + BLOCKS_PER_POLL * 8L + (64 << 10);
  /** Backoff after a failed poll doubles from here. */
  private static final long MIN_BACKOFF_MS = 100;
  /** ... up to here. */
  private static final long MAX_BACKOFF_MS = 2_000;
  /** While a block is held, the clock is looked at again at least this often (an injected clock may jump). */
  static final long HOLD_RECHECK_MS = 1_000;

  /** How far a block may be stamped ahead of the follower's clock and still be applied at once. */
  public static final Duration DEFAULT_CLOCK_TOLERANCE = Duration.ofSeconds(5);
  /** Largest tolerance allowed: a time lock may open up to the tolerance early by the follower's clock. */
  public static final Duration MAX_CLOCK_TOLERANCE = Duration.ofMinutes(1);

  /**
   * How to reach and trust the ledger. {@code pollWait} is how long one long poll may wait at the
   * ledger; {@code clock} is this follower's own clock (when blocks are applied, whether a block is
   * stamped too far ahead, where windows end); {@code clockTolerance} is how far ahead of it a
   * block may be stamped and still be applied at once (0 to {@link #MAX_CLOCK_TOLERANCE});
   * {@code genesisDigest}, if not null, pins the ledger's genesis block (another ledger of the same
   * id and sequencer key is then refused with {@code WRONG_GENESIS}).
   */
  public record Config(String ledgerUrl, String ledgerId, VerifyingKey sequencerKey, Duration pollWait, Clock clock,
      Duration clockTolerance, byte[] genesisDigest) {
    public Config {
      Objects.requireNonNull(ledgerUrl, "ledgerUrl");
      Objects.requireNonNull(ledgerId, "ledgerId");
      Objects.requireNonNull(sequencerKey, "sequencerKey");
      Objects.requireNonNull(pollWait, "pollWait");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(clockTolerance, "clockTolerance");
      if (clockTolerance.isNegative() || clockTolerance.compareTo(MAX_CLOCK_TOLERANCE) > 0) {
        throw new IllegalArgumentException("clockTolerance must be 0 to " + MAX_CLOCK_TOLERANCE.toSeconds()
            + " s, was " + clockTolerance.toMillis() + " ms");
      }
      genesisDigest = genesisDigest == null ? null : genesisDigest.clone();
    }

    /** A follower with the {@link #DEFAULT_CLOCK_TOLERANCE} that takes the genesis block the sequencer signed. */
    public Config(String ledgerUrl, String ledgerId, VerifyingKey sequencerKey, Duration pollWait, Clock clock) {
      this(ledgerUrl, ledgerId, sequencerKey, pollWait, clock, DEFAULT_CLOCK_TOLERANCE, null);
    }

    /** A follower with the {@link #DEFAULT_CLOCK_TOLERANCE} pinned to {@code genesisDigest}. */
    public Config(String ledgerUrl, String ledgerId, VerifyingKey sequencerKey, Duration pollWait, Clock clock,
        byte[] genesisDigest) {
      this(ledgerUrl, ledgerId, sequencerKey, pollWait, clock, DEFAULT_CLOCK_TOLERANCE, genesisDigest);
    }

    /** A follower with its own clock tolerance that takes the genesis block the sequencer signed. */
    public Config(String ledgerUrl, String ledgerId, VerifyingKey sequencerKey, Duration pollWait, Clock clock,
        Duration clockTolerance) {
      this(ledgerUrl, ledgerId, sequencerKey, pollWait, clock, clockTolerance, null);
    }

    @Override
    public byte[] genesisDigest() {
      return genesisDigest == null ? null : genesisDigest.clone();
    }
  }

  /**
   * What {@link #status()} reports. {@code heldHeight} and {@code heldBlockTime} name the block
   * held for being stamped ahead of this follower's clock, or are -1 when none is held.
   */
  public record Status(long height, long ledgerTime, long lagMillis, long lastContact, boolean halted, String lastError,
      long heldHeight, long heldBlockTime) {}

  private final Vertx vertx;
  private final Config config;
  private final HttpClient http;
  private final ChainValidator chain;
  /** The blocks applied, on disk; null if this follower keeps none. */
  private final FollowerStore store;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private record HeightWaiter(long height, CompletableFuture<Long> done) {}

  private final List<HeightWaiter> heightWaiters = new ArrayList<>();
  private volatile LedgerView view = new LedgerView(-1, 0, 0, 0);
  /** Checked-ahead blocks waiting for this follower's clock, first one stamped too far ahead; empty if none. */
  private volatile List<Block> held = List.of();
  /** The height last logged as held, so a hold is logged once, not at every recheck. */
  private long holdLogged = -1;
  private volatile boolean running = true;
  private volatile boolean halted;
  private volatile String lastError;
  private long backoff = MIN_BACKOFF_MS;

  private Follower(Vertx vertx, Config config, Path storeDir) throws IOException {
    this.vertx = vertx;
    this.config = config;
    this.http = vertx.createHttpClient();
    this.chain = new ChainValidator(config.ledgerId(), config.sequencerKey(),
        new LedgerState(config.sequencerKey().address()), config.genesisDigest());
    this.store = storeDir == null ? null : FollowerResume.resume(storeDir, chain);
    Block head = chain.head();
    if (head != null) {
      // resumed from disk: applied now, by this run's clock, and no contact with the ledger yet; the
      // staleness bound then counts from the stored head's own stamp, as for any block
      view = new LedgerView(head.height(), head.timestamp(), config.clock().millis(), 0);
    }
  }

  /** Starts following at genesis, keeping no blocks. */
  public static Follower start(Vertx vertx, Config config) {
    try {
      return start(vertx, config, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts following from the blocks stored in {@code storeDir} (genesis if none), and keeps
   * every block it applies there, so a restart resumes where it stopped and a sequencer that lost
   * its journal's tail can fetch it back.
   *
   * @throws IOException if the store is damaged or does not hold a chain this ledger's sequencer signed
   */
  public static Follower start(Vertx vertx, Config config, Path storeDir) throws IOException {
    Follower f = new Follower(vertx, config, storeDir);
    vertx.runOnContext(v -> f.poll());
    return f;
  }

  /** The blocks this follower applied, on disk; null if it keeps none. */
  public FollowerStore store() {
    return store;
  }

  // ---------------------------------------------------------------- PolicyLedger

  @Override
  public String ledgerId() {
    return config.ledgerId();
  }

  /** The ledger followed (id and genesis digest), or null before its genesis block arrived. */
  public LedgerRef ledger() {
    return chain.ledger();
  }

  @Override
  public LedgerView view() {
    return view;
  }

  @Override
  public Decision evaluate(String envelopeLedgerId, PolicyId policy, Address requester) {
    if (!follows(envelopeLedgerId)) {
      LedgerView v = view;
      return new Decision(policy, requester, false, Reason.WRONG_LEDGER, "the envelope names ledger "
          + envelopeLedgerId + "; this follower follows " + ledgerId(), v.height(), v.ledgerTime());
    }
    return evaluate(policy, requester);
  }

  /** {@link #evaluate(String, PolicyId, Address)} on this follower's own ledger. */
  public Decision evaluate(PolicyId policy, Address requester) {
    lock.readLock().lock();
    try {
      LedgerView v = view;
      if (halted) {
        // the state may hold part of a block the rules refuse: decide nothing from it
        return new Decision(policy, requester, false, Reason.LEDGER_UNAVAILABLE, "the ledger follower halted on an"
            + " invalid block after height " + v.height() + ": " + lastError, v.height(), v.ledgerTime());
      }
      return chain.state().evaluate(policy, requester, v.ledgerTime(), config.clock().millis(), v.height());
    } finally {
      lock.readLock().unlock();
    }
  }

  public Status status() {
    LedgerView v = view;
    List<Block> h = held;
    return new Status(v.height(), v.ledgerTime(), v.height() < 0 ? Long.MAX_VALUE : config.clock().millis()
        - v.ledgerTime(), v.lastContact(), halted, lastError, h.isEmpty() ? -1 : h.get(0).height(),
        h.isEmpty() ? -1 : h.get(0).timestamp());
  }

  /** Completes once the follower has applied block {@code height}. */
  public CompletableFuture<Long> awaitHeight(long height) {
    synchronized (heightWaiters) {
      long h = view.height();
      if (h >= height) {
        return CompletableFuture.completedFuture(h);
      }
      HeightWaiter w = new HeightWaiter(height, new CompletableFuture<>());
      heightWaiters.add(w);
      return w.done;
    }
  }

  // ---------------------------------------------------------------- polling

  private void poll() {
    if (!running || halted) {
      return;
    }
    List<Block> waiting = held;
    if (!waiting.isEmpty()) {
      // blocks held for the clock come first: nothing after them can be applied before them
      vertx.executeBlocking(() -> applyAll(waiting, false), true).onComplete(this::afterPoll);
      return;
    }
    long from = view.height() + 1;
    long waitMs = config.pollWait().toMillis();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(config.ledgerUrl() + "/v1/blocks?from=" + from + "&limit=" + BLOCKS_PER_POLL + "&waitMs=" + waitMs)
        .setIdleTimeout(waitMs + 5_000);
    BoundedBody.exchange(http, request, null, "a ledger block page", MAX_BLOCK_PAGE_BYTES)
        // decoding (base64, hashing up to megabytes of blocks) and checking stay off the event loop
        .compose(response -> vertx.executeBlocking(() -> applyAll(parse(response), true), true))
        .onComplete(this::afterPoll);
  }

  /** Polls again: at once, after the hold {@code r} asks for, or after a backoff if it failed. */
  private void afterPoll(AsyncResult<Long> r) {
    if (r.succeeded()) {
      backoff = MIN_BACKOFF_MS;
      lastError = null;
      if (r.result() > 0) {
        vertx.setTimer(r.result(), t -> poll());
      } else {
        poll();
      }
    } else {
      lastError = r.cause().getMessage();
      if (!running) {
        // closing cut the poll short: expected, not a ledger problem
        LOG.debug("event=follower_poll_cut_by_close ledger={} reason=\"{}\"", config.ledgerId(), lastError);
        return;
      }
      LOG.warn("event=follower_poll_failed ledger={} from={} retryMs={} reason=\"{}\"", config.ledgerId(),
          view.height() + 1, backoff, lastError);
      if (!halted) {
        vertx.setTimer(backoff, t -> poll());
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }

  private List<Block> parse(BoundedBody.Answer response) throws java.io.IOException {
    if (response.status() != 200) {
      throw new java.io.IOException("ledger answered HTTP " + response.status());
    }
    BlockPage page;
    try {
      page = BlockPage.read(response.body());
    } catch (FormatException e) {
      throw new java.io.IOException("malformed blocks from the ledger: " + e.getMessage(), e);
    }
    if (!config.ledgerId().equals(page.ledgerId())) {
      throw new java.io.IOException("ledger at " + Endpoints.where(config.ledgerUrl()) + " is " + page.ledgerId()
          + ", not " + config.ledgerId());
    }
    return page.blocks();
  }

  /**
   * Runs on an ordered worker: checks and applies blocks in order, one lock hold per block, until
   * one is stamped too far ahead of the clock; that one is checked and held with the rest.
   * {@code fetched}: the blocks just came from the ledger (so it was in contact). Returns how many
   * milliseconds to wait before looking at the held blocks again, or 0 if none is held.
   */
  private long applyAll(List<Block> blocks, boolean fetched) throws ChainValidator.ChainException, IOException {
    // what stays held is published once, at the end: status() must never see a recheck's empty middle
    List<Block> stillHeld = List.of();
    long toleranceMs = config.clockTolerance().toMillis();
    long holdMs = 0;
    int applied = 0;
    ChainValidator.ChainException refused = null;
    try {
      for (int i = 0; i < blocks.size(); i++) {
        Block b = blocks.get(i);
        long now = config.clock().millis();
        lock.writeLock().lock();
        try {
          chain.check(b);
          long aheadMs = b.timestamp() - now;
          if (aheadMs > toleranceMs) {
            stillHeld = List.copyOf(blocks.subList(i, blocks.size()));
            holdMs = Math.max(1, Math.min(aheadMs - toleranceMs, HOLD_RECHECK_MS));
            logHold(b, now, aheadMs);
            break;
          }
          try {
            chain.applyChecked(b);
          } catch (ChainValidator.ChainException e) {
            halted = true;
            lastError = e.getMessage();
            failWaiters("the follower halted: " + e.getMessage());
            LOG.error("event=follower_halted ledger={} height={} reason=\"{}\"", config.ledgerId(), b.height(),
                e.getMessage());
            throw e;
          }
          view = new LedgerView(b.height(), b.timestamp(), now, fetched ? now : view.lastContact());
          applied = i + 1;
        } finally {
          lock.writeLock().unlock();
        }
      }
    } catch (ChainValidator.ChainException e) {
      // the blocks before the refused one are applied: they go to the store and wake their waiters
      // all the same, or the store would lag the state and refuse the next page for good
      refused = e;
    } finally {
      held = stillHeld;
    }
    persist(blocks.subList(0, applied));
    if (fetched && applied == 0) {
      LedgerView v = view;
      view = new LedgerView(v.height(), v.ledgerTime(), v.appliedAt(), config.clock().millis());
    }
    List<HeightWaiter> ready = new ArrayList<>();
    synchronized (heightWaiters) {
      long h = view.height();
      heightWaiters.removeIf(w -> w.height() <= h && ready.add(w));
    }
    ready.forEach(w -> w.done().complete(w.height()));
    if (refused != null) {
      throw refused;
    }
    return holdMs;
  }

  private void logHold(Block b, long now, long aheadMs) {
    if (holdLogged == b.height()) {
      return;
    }
    holdLogged = b.height();
    LOG.warn("event=follower_holding_block ledger={} height={} blockTime={} clock={} aheadMs={} toleranceMs={}"
        + " reason=\"the block is stamped ahead of this follower's clock; it is applied once the clock reaches its"
        + " stamp minus the tolerance\"", config.ledgerId(), b.height(), Instant.ofEpochMilli(b.timestamp()),
        Instant.ofEpochMilli(now), aheadMs, config.clockTolerance().toMillis());
  }

  /** Keeps applied blocks on disk; a store that fails halts the follower, as its state would outrun it. */
  private void persist(List<Block> blocks) throws IOException {
    if (store == null || blocks.isEmpty()) {
      return;
    }
    try {
      store.append(blocks);
      store.snapshotIfDue(chain.state());
    } catch (IOException | RuntimeException e) {
      if (!running) {
        // closing closed the store under this append: expected, and the blocks come again at restart
        throw e;
      }
      halted = true;
      lastError = "the follower's block store failed: " + e.getMessage();
      failWaiters(lastError);
      LOG.error("event=follower_halted ledger={} reason=\"{}\"", config.ledgerId(), lastError);
      throw e;
    }
  }

  private void failWaiters(String why) {
    List<HeightWaiter> all;
    synchronized (heightWaiters) {
      all = new ArrayList<>(heightWaiters);
      heightWaiters.clear();
    }
    all.forEach(w -> w.done().completeExceptionally(new IllegalStateException(why)));
  }

  @Override
  public void close() {
    running = false;
    failWaiters("the follower was closed");
    http.close();
    if (store != null) {
      try {
        store.close();
      } catch (IOException e) {
        LOG.warn("event=follower_store_close_failed reason=\"{}\"", e.toString());
      }
    }
  }
}
