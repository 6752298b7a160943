package io.cachet.policy;

import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.FormatException;
import io.cachet.policy.journal.Journal;
import io.cachet.policy.journal.RecordIndex;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's copy of the blocks it applied, on disk: a {@link Journal} of the blocks exactly as
 * the sequencer signed them, in a private (0700) directory. It serves two purposes: a restarted
 * follower resumes from it (and from the {@link StateSnapshot} it writes beside the blocks every
 * {@link #DEFAULT_SNAPSHOT_INTERVAL} blocks) instead of fetching the whole history again, and a
 * sequencer that lost the tail of its own journal gets those blocks back from it
 * ({@link LedgerRecovery}, through {@link io.cachet.policy.server.StoredBlocksHandler}).
 *
 * <p>Guarantees: it holds a gap-free chain from genesis (an append that does not continue the
 * stored head is refused); every block in it was fully checked by the follower before it was
 * appended; {@link #append} returns once the blocks are fsynced. Blocks are read from disk by
 * height through a {@link RecordIndex}, so the store costs eight bytes of memory a block.
 *
 * <p>Threads: one thread appends (the follower's ordered worker); any thread reads.
 */
public final class FollowerStore implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(FollowerStore.class);

  /** The block journal's file name inside the store's directory. */
  public static final String BLOCKS_FILE = "blocks.journal";

  /** Blocks applied between two snapshots of the state: bounds what a restart replays. */
  public static final long DEFAULT_SNAPSHOT_INTERVAL = 10_000;

  private final Path dir;
  private final Journal journal;
  private final RecordIndex index;
  private volatile Block head;
  /** The stored genesis block, or null while the store is empty. */
  private volatile Block genesis;
  /** Written by the appending thread only: the height of the newest snapshot (or where resuming began). */
  private long snapshotHeight;
  private volatile long snapshotInterval = DEFAULT_SNAPSHOT_INTERVAL;

  private FollowerStore(Path dir, Journal journal, RecordIndex index, Block genesis, Block head,
      long snapshotHeight) {
    this.dir = dir;
    this.genesis = genesis;
    this.journal = journal;
    this.index = index;
    this.head = head;
    this.snapshotHeight = snapshotHeight;
  }

  /**
   * Opens (or creates) the store in {@code dir}, handing every stored block to {@code replay},
   * oldest first, before returning. A torn last record is cut off as the journal's rules say.
   *
   * @throws IOException if the store is damaged, or holds blocks that do not chain
   */
  public static FollowerStore open(Path dir, Consumer<Block> replay) throws IOException {
    return open(dir, 0, g -> { }, replay);
  }

  /**
   * {@link #open(Path, Consumer)} for a caller that already has the state as of block {@code
   * from} (a snapshot): blocks below it are only indexed, not decoded, except the genesis block,
   * which goes to {@code onGenesis} first; {@code replay} gets the blocks from {@code from} on, and
   * must check that the first is the snapshot's.
   */
  static FollowerStore open(Path dir, long from, Consumer<Block> onGenesis, Consumer<Block> replay)
      throws IOException {
    DurableFiles.privateDirectory(dir);
    Path file = dir.resolve(BLOCKS_FILE);
    RecordIndex index = new RecordIndex(file);
    Block[] last = new Block[1];
    Block[] first = new Block[1];
    Journal journal;
    try {
      journal = Journal.open(file, record -> {
        boolean skipped = index.size() < from;
        Block b = null;
        if (!skipped || index.size() == 0) {
          try {
            b = Block.decode(record);
          } catch (FormatException e) {
            throw new UncheckedIOException(new IOException(file + ": unreadable block after height "
                + (last[0] == null ? "(none)" : last[0].height()), e));
          }
        }
        if (index.size() == 0) {
          if (b.height() != 0) {
            throw new UncheckedIOException(new IOException(file + ": the first stored block is not the genesis block"));
          }
          first[0] = b;
          onGenesis.accept(b);
        }
        if (skipped) {
          index.add(record.length);
          return;
        }
        if (last[0] == null ? b.height() != from : !b.follows(last[0])) {
          throw new UncheckedIOException(new IOException(file + ": block " + b.height() + " does not continue the"
              + " stored chain"));
        }
        replay.accept(b);
        index.add(record.length);
        last[0] = b;
      });
    } catch (UncheckedIOException e) {
      index.close();
      throw e.getCause();
    }
    DurableFiles.restrictFile(file);
    return new FollowerStore(dir, journal, index, first[0], last[0], from);
  }

  /** The stored genesis block, or null if the store is empty. */
  public Block genesis() {
    return genesis;
  }

  /** The newest stored block, or null if none. */
  public Block head() {
    return head;
  }

  /**
   * Appends checked blocks, which must continue the stored head, and fsyncs them once.
   *
   * @throws IllegalArgumentException if the blocks do not continue the stored chain
   */
  public void append(List<Block> blocks) throws IOException {
    Block prev = head;
    List<byte[]> encoded = new ArrayList<>(blocks.size());
    for (Block b : blocks) {
      if (prev == null ? b.height() != 0 : !b.follows(prev)) {
        throw new IllegalArgumentException("block " + b.height() + " does not continue the stored chain at "
            + (prev == null ? "(empty)" : prev.height()));
      }
      encoded.add(b.encoded());
      prev = b;
    }
    if (encoded.isEmpty()) {
      return;
    }
    journal.append(encoded);
    encoded.forEach(e -> index.add(e.length));
    if (genesis == null) {
      genesis = blocks.get(0);
    }
    head = prev;
  }

  /** Sets how many blocks pass between two snapshots (tests take one every block). */
  void snapshotInterval(long blocks) {
    if (blocks < 1) {
      throw new IllegalArgumentException("snapshot interval must be positive");
    }
    snapshotInterval = blocks;
  }

  /**
   * Writes a {@link StateSnapshot} of {@code state} at the stored head if the interval has passed
   * since the last one. Call it from the appending thread, with {@code state} as of the stored head.
   * A snapshot that cannot be written is logged and tried again an interval later: it is a cache.
   */
  void snapshotIfDue(LedgerState state) {
    Block h = head;
    if (h == null || h.height() - snapshotHeight < snapshotInterval) {
      return;
    }
    snapshotHeight = h.height();
    try {
      StateSnapshot.write(dir, genesis.hash(), h, state);
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=follower_snapshot_failed dir={} height={} reason=\"{}\"", dir, h.height(), e.toString());
    }
  }

  /**
   * Encodings of up to {@code max} stored blocks from {@code fromHeight} on, stopping before the
   * one that would take the total past {@code maxBytes} (the first always comes). Blocking.
   */
  public List<byte[]> encodedBlocksFrom(long fromHeight, int max, long maxBytes) throws IOException {
    Block h = head;
    long end = h == null ? 0 : Math.min(index.size(), h.height() + 1);
    List<byte[]> out = new ArrayList<>();
    long bytes = 0;
    for (long i = Math.max(0, fromHeight); i < end && out.size() < max; i++) {
      byte[] e = index.read((int) i);
      if (!out.isEmpty() && bytes + e.length > maxBytes) {
        break;
      }
      bytes += e.length;
      out.add(e);
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    try {
      journal.close();
    } finally {
      index.close();
    }
  }
}
