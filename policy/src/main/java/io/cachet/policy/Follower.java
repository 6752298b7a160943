package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
  /** Backoff after a failed poll doubles from here. */
  private static final long MIN_BACKOFF_MS = 100;
  /** ... up to here. */
  private static final long MAX_BACKOFF_MS = 2_000;

  /** How to reach and trust the ledger. {@code pollWait} is how long one long poll may wait at the ledger. */
  public record Config(String ledgerUrl, String ledgerId, VerifyingKey sequencerKey, Duration pollWait, Clock clock) {
    public Config {
      Objects.requireNonNull(ledgerUrl, "ledgerUrl");
      Objects.requireNonNull(ledgerId, "ledgerId");
      Objects.requireNonNull(sequencerKey, "sequencerKey");
      Objects.requireNonNull(pollWait, "pollWait");
      Objects.requireNonNull(clock, "clock");
    }
  }

  /** What {@link #status()} reports. */
  public record Status(long height, long ledgerTime, long lagMillis, long lastContact, boolean halted, String lastError) {}

  private final Vertx vertx;
  private final Config config;
  private final WebClient http;
  private final ChainValidator chain;
  /** The blocks applied, on disk; null if this follower keeps none. */
  private final FollowerStore store;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private record HeightWaiter(long height, CompletableFuture<Long> done) {}

  private final List<HeightWaiter> heightWaiters = new ArrayList<>();
  private volatile LedgerView view = new LedgerView(-1, 0, 0);
  private volatile boolean running = true;
  private volatile boolean halted;
  private volatile String lastError;
  private long backoff = MIN_BACKOFF_MS;

  private Follower(Vertx vertx, Config config, Path storeDir) throws IOException {
    this.vertx = vertx;
    this.config = config;
    this.chain = new ChainValidator(config.ledgerId(), config.sequencerKey(),
        new LedgerState(config.sequencerKey().address()));
    this.store = storeDir == null ? null : FollowerResume.resume(storeDir, chain);
    Block head = chain.head();
    if (head != null) {
      // resumed from disk: no contact with the ledger yet, so no last contact to report
      view = new LedgerView(head.height(), head.timestamp(), 0);
    }
    this.http = WebClient.create(vertx);
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

  @Override
  public LedgerView view() {
    return view;
  }

  @Override
  public Decision evaluate(PolicyId policy, Address requester) {
    lock.readLock().lock();
    try {
      LedgerView v = view;
      if (halted) {
        // the state may hold part of a block the rules refuse: decide nothing from it
        return new Decision(policy, requester, false, Reason.LEDGER_UNAVAILABLE, "the ledger follower halted on an"
            + " invalid block after height " + v.height() + ": " + lastError, v.height(), v.ledgerTime());
      }
      return chain.state().evaluate(policy, requester, v.ledgerTime(), v.height());
    } finally {
      lock.readLock().unlock();
    }
  }

  public Status status() {
    LedgerView v = view;
    return new Status(v.height(), v.ledgerTime(), v.height() < 0 ? Long.MAX_VALUE : config.clock().millis()
        - v.ledgerTime(), v.lastContact(), halted, lastError);
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
    long from = view.height() + 1;
    long waitMs = config.pollWait().toMillis();
    http.getAbs(config.ledgerUrl() + "/v1/blocks")
        .addQueryParam("from", Long.toString(from))
        .addQueryParam("limit", Integer.toString(BLOCKS_PER_POLL))
        .addQueryParam("waitMs", Long.toString(waitMs))
        .timeout(waitMs + 5_000)
        .send()
        // decoding (base64, hashing up to megabytes of blocks) and checking stay off the event loop
        .compose(response -> vertx.executeBlocking(() -> applyAll(parse(response)), true))
        .onComplete(r -> {
          if (r.succeeded()) {
            backoff = MIN_BACKOFF_MS;
            lastError = null;
            poll();
          } else {
            lastError = r.cause().getMessage();
            if (!running) {
              // closing cut the poll short: expected, not a ledger problem
              LOG.debug("event=follower_poll_cut_by_close ledger={} reason=\"{}\"", config.ledgerId(), lastError);
              return;
            }
            LOG.warn("event=follower_poll_failed ledger={} from={} retryMs={} reason=\"{}\"", config.ledgerId(), from,
                backoff, lastError);
            if (!halted) {
              vertx.setTimer(backoff, t -> poll());
              backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
          }
        });
  }

  private List<Block> parse(HttpResponse<Buffer> response) throws java.io.IOException {
    if (response.statusCode() != 200) {
      throw new java.io.IOException("ledger answered HTTP " + response.statusCode());
    }
    JsonObject body;
    try {
      body = response.bodyAsJsonObject();
    } catch (RuntimeException e) {
      throw new java.io.IOException("malformed blocks from the ledger: " + e.getMessage(), e);
    }
    if (body == null || !config.ledgerId().equals(body.getValue("ledgerId"))) {
      throw new java.io.IOException("ledger at " + config.ledgerUrl() + " is "
          + (body == null ? "silent" : body.getValue("ledgerId")) + ", not " + config.ledgerId());
    }
    try {
      List<Block> blocks = new ArrayList<>();
      for (Object b : body.getJsonArray("blocks")) {
        blocks.add(Block.decode(Base64Url.decode((String) b, "block")));
      }
      return blocks;
    } catch (FormatException | RuntimeException e) {
      throw new java.io.IOException("malformed blocks from the ledger: " + e.getMessage(), e);
    }
  }

  /** Runs on an ordered worker: checks and applies blocks, one lock hold per block. */
  private Void applyAll(List<Block> blocks) throws ChainValidator.ChainException, IOException {
    long now = config.clock().millis();
    for (Block b : blocks) {
      lock.writeLock().lock();
      try {
        chain.check(b);
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
        view = new LedgerView(b.height(), b.timestamp(), now);
      } finally {
        lock.writeLock().unlock();
      }
    }
    persist(blocks);
    if (blocks.isEmpty()) {
      LedgerView v = view;
      view = new LedgerView(v.height(), v.ledgerTime(), now);
    }
    List<HeightWaiter> ready = new ArrayList<>();
    synchronized (heightWaiters) {
      long h = view.height();
      heightWaiters.removeIf(w -> w.height() <= h && ready.add(w));
    }
    ready.forEach(w -> w.done().complete(w.height()));
    return null;
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
