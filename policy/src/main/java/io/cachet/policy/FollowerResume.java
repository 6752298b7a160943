package io.cachet.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a follower's state back from disk after a restart, without asking the ledger for its
 * whole history again: from the newest {@link StateSnapshot} and the blocks its
 * {@link FollowerStore} holds after it, or from the stored blocks alone when there is no usable
 * snapshot.
 *
 * <p>What is checked. Every stored block passed the follower's full checks before it was stored.
 * A snapshot is used only if it reads back whole (version, length, CRC) and its head block is
 * exactly the stored block at its height; a damaged or foreign snapshot is logged and ignored, and
 * the state is rebuilt from the blocks. The blocks after the snapshot (or all, without one) are
 * applied with their ledger id, chain links and transaction rules checked again; and the
 * sequencer's signature on the last block is checked, which vouches for every block below it
 * through the hash chain. One signature instead of one per block, and no replay below the
 * snapshot, is what makes a restart over a million blocks take seconds.
 */
final class FollowerResume {
  private static final Logger LOG = LoggerFactory.getLogger(FollowerResume.class);

  /** A snapshot whose head is not the stored block at its height: rebuild from blocks instead. */
  private static final class SnapshotMismatch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SnapshotMismatch(String message) {
      super(message, null, false, false);
    }
  }

  private FollowerResume() {}

  /** Opens the store in {@code dir} and brings {@code chain}, which must be at genesis, to its head. */
  static FollowerStore resume(Path dir, ChainValidator chain) throws IOException {
    long started = System.nanoTime();
    StateSnapshot.Loaded snapshot = null;
    try {
      snapshot = StateSnapshot.read(dir);
    } catch (IOException e) {
      LOG.warn("event=follower_snapshot_refused dir={} reason=\"{}\"; rebuilding from the stored blocks", dir,
          e.getMessage());
    }
    FollowerStore store;
    try {
      store = open(dir, chain, snapshot);
    } catch (SnapshotMismatch e) {
      LOG.warn("event=follower_snapshot_refused dir={} reason=\"{}\"; rebuilding from the stored blocks", dir,
          e.getMessage());
      snapshot = null;
      store = open(dir, chain, null);
    }
    try {
      chain.checkHeadSignature();
    } catch (ChainValidator.ChainException e) {
      store.close();
      throw new IOException(dir + ": stored blocks are not this ledger's sequencer's: " + e.getMessage());
    }
    Block head = chain.head();
    LOG.info("event=follower_resumed dir={} height={} fromSnapshot={} ms={}", dir, head == null ? -1 : head.height(),
        snapshot == null ? "none" : snapshot.head().height(), (System.nanoTime() - started) / 1_000_000);
    return store;
  }

  /**
   * Opens the store, restoring the snapshot when its block comes by and applying the blocks after
   * it. Throws {@link SnapshotMismatch} before touching the state if the snapshot does not fit.
   */
  private static FollowerStore open(Path dir, ChainValidator chain, StateSnapshot.Loaded snapshot)
      throws IOException {
    long from = snapshot == null ? 0 : snapshot.head().height();
    FollowerStore store;
    try {
      store = FollowerStore.open(dir, from, genesis -> {
        if (snapshot != null && !Arrays.equals(snapshot.genesisHash(), genesis.hash())) {
          throw new SnapshotMismatch("the snapshot names another genesis block than the store's");
        }
        if (snapshot != null) {
          // the blocks below the snapshot are not replayed: the genesis block binds the state here
          try {
            chain.adoptGenesis(genesis);
          } catch (ChainValidator.ChainException e) {
            throw new UncheckedIOException(new IOException(dir + ": stored blocks are not this ledger's: "
                + e.getMessage()));
          }
        }
      }, b -> {
        if (snapshot != null && chain.head() == null) {
          if (!b.equals(snapshot.head())) {
            throw new SnapshotMismatch("the snapshot's block " + from + " is not the stored one");
          }
          chain.state().restore(snapshot.contents());
          chain.resumeAt(b);
          return;
        }
        try {
          chain.applyStored(b);
        } catch (ChainValidator.ChainException e) {
          throw new UncheckedIOException(new IOException(dir + ": stored blocks are not a valid chain: "
              + e.getMessage()));
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    if (snapshot != null && chain.head() == null) {
      store.close();
      throw new SnapshotMismatch("the store holds no block " + from + ", the snapshot's");
    }
    return store;
  }
}
