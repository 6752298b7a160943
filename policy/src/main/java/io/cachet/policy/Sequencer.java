package io.cachet.policy;

import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Names;
import io.cachet.policy.journal.Journal;
import io.cachet.policy.journal.RecordIndex;
import io.cachet.policy.journal.RecoveryReport;
import io.cachet.policy.journal.SignedHeightMark;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ledger's single sequencer: orders transactions into signed blocks, makes each
 * block durable in the journal, then acknowledges its transactions.
 *
 * <p>Design. One thread, the commit loop, owns the chain: it takes every waiting transaction
 * (group commit: as soon as any wait, up to {@link Block#MAX_TRANSACTIONS}), applies each to the
 * state at the block's timestamp (a refused one is answered at once and left out), signs the
 * block, appends it to the journal with one fsync, and only then completes the submitters'
 * futures and wakes long-polling readers. With nothing to do it cuts an empty heartbeat block once
 * {@code heartbeat} has passed since the last block, so followers can tell "no news" from "cut
 * off". Block timestamps come from the clock passed in, never going backwards.
 *
 * <p>Durability. A transaction is acknowledged only after the fsync of its block. The working
 * state ({@link #state()}) runs ahead of the journal by at most the block being written; answers
 * come from {@link #durable()}, which shows every entry the block in flight touches as it was
 * before that block, until the block is in the journal and the signed-height mark. If the journal fails the sequencer stops (fail-stop) and refuses everything after,
 * and a restart replays the journal, which holds exactly the acknowledged blocks plus perhaps the
 * one in flight.
 *
 * <p>One block per height. Before a block is served or acknowledged, its height and hash are
 * written to the {@link SignedHeightMark}, a file apart from the journal. On open, a journal that
 * ends below the mark (its tail was lost after the block was served) refuses to start with
 * {@link LedgerHistoryMissingException}: signing a new block there would fork the chain that
 * followers already hold. {@link LedgerRecovery} fetches the missing blocks back from a follower.
 * A block signed but not yet in the journal when the process dies was seen by nobody, so signing
 * another at its height breaks no promise; the mark is written after the journal's fsync for that
 * reason, so a crash between the two never leaves a mark the journal cannot reach.
 *
 * <p>History. Blocks are served from the journal through a {@link RecordIndex} (eight bytes of
 * memory a block), not kept in memory.
 *
 * <p>Recovery. On open the journal is replayed through the same {@link ChainValidator} followers
 * use, as a follower replays its own store: ledger id, chain links, time order and every
 * transaction's rules for every block, and the sequencer's signature on the last block, which
 * vouches for all below it through the hash chain (one signature check, not a million). A torn
 * last record is truncated and reported by the journal; any other damage or an invalid chain
 * refuses to start.
 */
public final class Sequencer implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Sequencer.class);

  /** Bytes of transactions one block may carry, leaving room under {@link Block#MAX_ENCODED_BYTES} for its header. */
  private static final long BLOCK_BYTES_BUDGET = Block.MAX_ENCODED_BYTES - 4096;

  /** Most bytes of transactions waiting for a block before submitters are told the ledger is busy. */
  public static final long MAX_QUEUED_BYTES = 64L << 20;

  /** How the refusal of a submission for a full queue begins; servers pass it on to clients as it is. */
  public static final String BUSY = "ledger is busy";

  /** Most transactions waiting for a block before submitters are told the ledger is busy. */
  public static final int MAX_QUEUED = 100_000;

  /** How the sequencer runs. {@code clock} gives block timestamps; tests pass their own. */
  public record Config(Path dataDir, String ledgerId, Duration heartbeat, Clock clock) {
    public Config {
      Objects.requireNonNull(dataDir, "dataDir");
      Names.check(ledgerId, "ledgerId");
      if (heartbeat.isNegative() || heartbeat.isZero()) {
        throw new IllegalArgumentException("heartbeat must be positive");
      }
      Objects.requireNonNull(clock, "clock");
    }

    public static Config defaults(Path dataDir, String ledgerId) {
      return new Config(dataDir, ledgerId, Duration.ofSeconds(2), Clock.systemUTC());
    }
  }

  /** A transaction made durable in block {@code height}. */
  public record Committed(long height, byte[] digest, long ledgerTime) {}

  /** A submitted transaction; {@code signature} completes with null when its signature verifies. */
  private record Pending(Transaction tx, CompletableFuture<Committed> done, CompletableFuture<TxOutcome> signature) {}

  /** Put on the queue by {@link #close} to wake the commit loop without interrupting a write. */
  private static final Pending WAKE_UP = new Pending(null, null, null);

  private record HeightWaiter(long height, CompletableFuture<Long> done) {}

  private final Config config;
  private final Identity key;
  private final Journal journal;
  private final ChainValidator chain;
  /** Where each committed block is in the journal, by height; record number equals height. */
  private final RecordIndex blocks;
  /** The working state as of {@link #head}, the newest durable block: what HTTP handlers read. */
  private final DurableState durable;
  /** The newest durable block. */
  private volatile Block head;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
  /** Bytes of the transactions in {@link #queue} and in the batch being cut. */
  private final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();
  private final List<HeightWaiter> waiters = new ArrayList<>();
  private final Thread loop;
  /** Checks submitted signatures on every core, so the commit loop only orders and applies. */
  private final java.util.concurrent.ExecutorService verifiers = java.util.concurrent.Executors.newFixedThreadPool(
      Runtime.getRuntime().availableProcessors(), r -> {
        Thread t = new Thread(r, "cachet-verify");
        t.setDaemon(true);
        return t;
      });
  private final RecoveryReport recovery;
  private volatile boolean running = true;
  private volatile Throwable failure;

  private Sequencer(Config config, Identity key) throws IOException {
    this.config = config;
    this.key = key;
    this.chain = new ChainValidator(config.ledgerId(), key.verifyingKey(), new LedgerState(key.address()));
    this.durable = new DurableState(chain.state());
    Files.createDirectories(config.dataDir());
    Path file = config.dataDir().resolve(JOURNAL_FILE);
    this.blocks = new RecordIndex(file);
    try {
      this.journal = Journal.open(file, this::replay);
    } catch (UncheckedIOException e) {
      blocks.close();
      throw e.getCause();
    }
    this.recovery = journal.recovery();
    if (recovery.truncated()) {
      LOG.warn("event=journal_tail_truncated file={} bytesDropped={} keptRecords={}", file,
          recovery.bytesDropped(), recovery.records());
    }
    try {
      try {
        chain.checkHeadSignature();
      } catch (ChainValidator.ChainException e) {
        throw new IOException("ledger journal in " + config.dataDir() + " holds an invalid block at its head: "
            + e.getMessage(), e);
      }
      checkSignedHeight();
      if (head == null) {
        commit(Block.sign(key, config.ledgerId(), 0, Block.GENESIS_PARENT, config.clock().millis(), List.of()));
      }
      // the index of who manages what is derived: made again from the replayed state
      durable.rebuildIndex(head.height());
    } catch (IOException | RuntimeException e) {
      journal.close();
      blocks.close();
      throw e;
    }
    LOG.info("event=sequencer_started ledger={} height={} dataDir={}", config.ledgerId(), head().height(),
        config.dataDir());
    this.loop = new Thread(this::run, "cachet-sequencer");
    this.loop.setDaemon(true);
    this.loop.start();
  }

  /** The journal's file name inside the data directory. */
  public static final String JOURNAL_FILE = "ledger.journal";

  /**
   * Opens (or creates) the ledger in {@code config.dataDir()}, replaying its journal.
   *
   * @throws LedgerHistoryMissingException if the journal ends below the height this ledger has
   *     signed and served; {@link LedgerRecovery} brings the missing blocks back
   */
  public static Sequencer open(Config config, Identity key) throws IOException {
    return new Sequencer(config, key);
  }

  /**
   * Compares the journal with the signed-height mark: below it, refuse; at it, the same block or
   * refuse; above it (the mark's write was cut short by a crash, or a ledger from before marks),
   * move the mark up to the journal's head.
   */
  private void checkSignedHeight() throws IOException {
    SignedHeightMark mark = SignedHeightMark.read(config.dataDir());
    if (mark == null) {
      if (head != null) {
        new SignedHeightMark(head.height(), head.hash()).write(config.dataDir());
      }
      return;
    }
    long journalHeight = head == null ? -1 : head.height();
    if (mark.height() > journalHeight) {
      throw new LedgerHistoryMissingException(config.dataDir(), journalHeight, mark.height());
    }
    Block marked;
    try {
      marked = Block.decode(blocks.read((int) mark.height()));
    } catch (FormatException e) {
      throw new IOException("ledger journal in " + config.dataDir() + ": block " + mark.height() + " is unreadable", e);
    }
    if (!mark.matches(marked.hash())) {
      throw new IOException("ledger journal in " + config.dataDir() + " holds a different block at height "
          + mark.height() + " from the one this ledger signed and served; refusing to start on a forked history");
    }
    if (journalHeight > mark.height()) {
      new SignedHeightMark(head.height(), head.hash()).write(config.dataDir());
    }
  }

  private void replay(byte[] record) {
    try {
      Block b = Block.decode(record);
      chain.applyStored(b);
      blocks.add(record.length);
      head = b;
    } catch (FormatException | ChainValidator.ChainException e) {
      throw new UncheckedIOException(new IOException("ledger journal in " + config.dataDir()
          + " holds an invalid block after height " + (head == null ? "(none)" : head.height()) + ": "
          + e.getMessage(), e));
    }
  }

  // ---------------------------------------------------------------- API

  /**
   * Queues a transaction. The future completes once its block is durable, or exceptionally with a
   * {@link TransactionRefusedException} (rules) or an {@link IOException} (the ledger stopped or is busy).
   */
  public CompletableFuture<Committed> submit(Transaction tx) {
    // checked here: a null reaching the commit loop would stop the whole ledger
    Objects.requireNonNull(tx, "tx");
    CompletableFuture<Committed> done = new CompletableFuture<>();
    if (!running) {
      done.completeExceptionally(stopped());
      return done;
    }
    CompletableFuture<TxOutcome> signature;
    try {
      signature = CompletableFuture.supplyAsync(() -> LedgerState.checkSignature(tx), verifiers);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      done.completeExceptionally(stopped());
      return done;
    }
    // queued at once, in submission order; the signature is checked meanwhile on another core
    Pending pending = new Pending(tx, done, signature);
    long size = tx.encodedLength();
    if (queuedBytes.addAndGet(size) > MAX_QUEUED_BYTES) {
      queuedBytes.addAndGet(-size);
      done.completeExceptionally(new IOException(BUSY + ": " + MAX_QUEUED_BYTES + " bytes of transactions are waiting"));
    } else if (!queue.offer(pending)) {
      queuedBytes.addAndGet(-size);
      done.completeExceptionally(new IOException(BUSY + ": " + MAX_QUEUED + " transactions are waiting"));
    } else if (!running && queue.remove(pending)) {
      // the loop stopped between the check above and the offer, and will not drain the queue again
      done.completeExceptionally(stopped());
    }
    return done;
  }

  /** Completes with the head height once the chain reaches {@code height}. */
  public CompletableFuture<Long> awaitHeight(long height) {
    synchronized (waiters) {
      if (!running) {
        return CompletableFuture.failedFuture(stopped());
      }
      long h = head().height();
      if (h >= height) {
        return CompletableFuture.completedFuture(h);
      }
      HeightWaiter w = new HeightWaiter(height, new CompletableFuture<>());
      waiters.add(w);
      return w.done;
    }
  }

  /**
   * Up to {@code max} committed blocks from {@code fromHeight} on, read from the journal.
   *
   * @throws UncheckedIOException if the journal cannot be read back
   */
  public List<Block> blocksFrom(long fromHeight, int max) {
    List<Block> out = new ArrayList<>();
    for (byte[] encoded : encodedBlocksFrom(fromHeight, max, Long.MAX_VALUE)) {
      try {
        out.add(Block.decode(encoded));
      } catch (FormatException e) {
        throw new UncheckedIOException(new IOException("ledger journal holds an unreadable block", e));
      }
    }
    return out;
  }

  /**
   * The encodings of up to {@code max} committed blocks from {@code fromHeight} on, read from the
   * journal, stopping before the one that would take the total past {@code maxBytes} (the first
   * block always comes). Blocking: reads the disk.
   *
   * @throws UncheckedIOException if the journal cannot be read back
   */
  public List<byte[]> encodedBlocksFrom(long fromHeight, int max, long maxBytes) {
    long end = Math.min(blocks.size(), head().height() + 1);
    List<byte[]> out = new ArrayList<>();
    long bytes = 0;
    for (long h = Math.max(0, fromHeight); h < end && out.size() < max; h++) {
      byte[] encoded;
      try {
        encoded = blocks.read((int) h);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!out.isEmpty() && bytes + encoded.length > maxBytes) {
        break;
      }
      bytes += encoded.length;
      out.add(encoded);
    }
    return out;
  }

  public Block head() {
    return head;
  }

  /**
   * The working state: ahead of the journal by the block being written, if any. The commit loop
   * validates against it; to answer anyone, use {@link #durable()}.
   */
  public LedgerState state() {
    return chain.state();
  }

  /** The state as of the newest durable block: never ahead of the journal. */
  public DurableState durable() {
    return durable;
  }

  public String ledgerId() {
    return config.ledgerId();
  }

  /** This ledger: its id and genesis digest, the ledger every transaction it takes must be signed for. */
  public LedgerRef ledger() {
    return chain.ledger();
  }

  public io.cachet.crypto.VerifyingKey sequencerKey() {
    return key.verifyingKey();
  }

  public RecoveryReport recovery() {
    return recovery;
  }

  /** Null while healthy; the journal failure that stopped the sequencer otherwise. */
  public Throwable failure() {
    return failure;
  }

  public int queued() {
    return queue.size();
  }

  // ---------------------------------------------------------------- commit loop

  private void run() {
    ArrayDeque<Pending> batch = new ArrayDeque<>();
    while (running) {
      try {
        if (batch.isEmpty()) {
          long sinceLast = config.clock().millis() - head().timestamp();
          long waitMs = Math.max(1, config.heartbeat().toMillis() - sinceLast);
          Pending first = queue.poll(waitMs, TimeUnit.MILLISECONDS);
          if (first == WAKE_UP || !running) {
            if (first != null && first != WAKE_UP) {
              batch.add(first);
            }
            break;
          }
          if (first != null) {
            batch.add(first);
          } else if (config.clock().millis() - head().timestamp() < config.heartbeat().toMillis()) {
            continue;
          }
        }
        if (batch.size() < Block.MAX_TRANSACTIONS) {
          queue.drainTo(batch, Block.MAX_TRANSACTIONS - batch.size());
        }
        cutBlock(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (IOException | RuntimeException e) {
        LOG.error("event=sequencer_failed reason=\"{}\"", e.toString());
        stop(e, batch);
        return;
      }
    }
    stop(new IOException("the sequencer was closed"), batch);
  }

  /**
   * Cuts one block from the front of {@code batch}: as many transactions as fit the block's count
   * and byte limits; the rest stay in {@code batch} for the next block.
   */
  private void cutBlock(ArrayDeque<Pending> batch) throws IOException {
    Block parent = head();
    long timestamp = Math.max(parent.timestamp(), config.clock().millis());
    List<Transaction> included = new ArrayList<>();
    List<Pending> acknowledged = new ArrayList<>();
    long bytes = 0;
    while (!batch.isEmpty() && included.size() < Block.MAX_TRANSACTIONS) {
      Pending p = batch.peekFirst();
      if (p == WAKE_UP) {
        batch.pollFirst();
        continue;
      }
      long size = p.tx.encodedLength() + 2L;
      if (bytes + size > BLOCK_BYTES_BUDGET) {
        break;
      }
      batch.pollFirst();
      queuedBytes.addAndGet(-(size - 2));
      TxOutcome bad = p.signature.join();
      if (bad == null) {
        durable.beforeApply(p.tx);
      }
      TxOutcome o = bad != null ? bad : chain.state().applyVerified(p.tx, timestamp);
      if (o.accepted()) {
        included.add(p.tx);
        acknowledged.add(p);
        bytes += size;
      } else {
        p.done.completeExceptionally(new TransactionRefusedException(o.reason(), o.message()));
      }
    }
    Block block = Block.sign(key, config.ledgerId(), parent.height() + 1, parent.hash(), timestamp, included);
    try {
      commit(block);
    } catch (IOException | RuntimeException e) {
      acknowledged.forEach(p -> p.done.completeExceptionally(new IOException("block " + block.height()
          + " could not be made durable: " + e.getMessage(), e)));
      throw e;
    }
    for (Pending p : acknowledged) {
      p.done.complete(new Committed(block.height(), p.tx.digest(), timestamp));
    }
  }

  /**
   * Journal first, then the signed-height mark, then visible: a block is served, and its state
   * read, only once it is durable and the mark covers it.
   */
  private void commit(Block block) throws IOException {
    journal.append(block.encoded());
    blocks.add(block.encoded().length);
    new SignedHeightMark(block.height(), block.hash()).write(config.dataDir());
    if (chain.head() == null || chain.head().height() < block.height()) {
      // genesis on first start goes through the validator like any replayed block
      if (block.height() == 0) {
        try {
          chain.apply(block);
        } catch (ChainValidator.ChainException e) {
          throw new IllegalStateException("the sequencer made an invalid genesis block", e);
        }
      } else {
        chain.advance(block);
      }
    }
    head = block;
    durable.madeDurable(block.height());
    List<HeightWaiter> ready = new ArrayList<>();
    synchronized (waiters) {
      waiters.removeIf(w -> {
        if (w.height <= block.height()) {
          ready.add(w);
          return true;
        }
        return false;
      });
    }
    ready.forEach(w -> w.done.complete(block.height()));
  }

  private IOException stopped() {
    return new IOException("ledger sequencer has stopped" + (failure == null ? "" : ": " + failure.getMessage()));
  }

  private void stop(Throwable cause, ArrayDeque<Pending> batch) {
    failure = cause;
    running = false;
    IOException e = stopped();
    batch.stream().filter(p -> p != WAKE_UP).forEach(p -> p.done.completeExceptionally(e));
    batch.clear();
    Pending p;
    while ((p = queue.poll()) != null) {
      if (p != WAKE_UP) {
        p.done.completeExceptionally(e);
      }
    }
    synchronized (waiters) {
      waiters.forEach(w -> w.done.completeExceptionally(e));
      waiters.clear();
    }
  }

  @Override
  public void close() throws IOException {
    running = false;
    verifiers.shutdown();
    queue.offer(WAKE_UP);
    try {
      loop.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    journal.close();
    blocks.close();
    LOG.info("event=sequencer_closed ledger={} height={}", config.ledgerId(), head().height());
  }
}
