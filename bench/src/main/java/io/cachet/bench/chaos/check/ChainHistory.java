package io.cachet.bench.chaos.check;

import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.Block;
import io.cachet.policy.ChainValidator;
import io.cachet.policy.ChainValidator.ChainException;
import io.cachet.policy.LedgerRecovery;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Transaction;
import io.cachet.policy.journal.Journal;
import io.cachet.policy.server.LedgerServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The ledger's whole history as the checker trusts it: every block from genesis to the head,
 * each checked by {@link ChainValidator} against the pinned ledger id, sequencer key and genesis
 * digest (signatures of blocks and transactions, the hash chain, time order, every transaction
 * valid) before anything is learned from it. Nothing a part says about itself (a key server's
 * decision, the ledger's own answers about policies) counts; only signed blocks do.
 *
 * <p>What it answers: the head; the ledger time of block h; where a transaction is (by sender and
 * nonce, or by digest); the state at the head; and, through a {@link Replay}, the state after any
 * height. A replay walks forward from genesis and never snapshots: checks that ask in ascending
 * height (as {@link ReleaseCheck} does, sorting first) replay the chain once in all.
 *
 * <p>Blocks come from the ledger's {@code GET /v1/blocks} ({@link #fetch}) or, when the ledger
 * cannot be reached, from a copy of its journal ({@link #fromJournal}); both are validated alike.
 */
public final class ChainHistory {
  /** Blocks asked for per read: the most the ledger serves at once. */
  static final int BLOCKS_PER_READ = LedgerServer.MAX_BLOCKS_PER_READ;

  /** What the checker trusts: the ledger's id, its sequencer's key and its genesis digest, from the soak's own files. */
  public record Trust(String ledgerId, VerifyingKey sequencerKey, byte[] genesisDigest) {
    public Trust {
      Objects.requireNonNull(ledgerId, "ledgerId");
      Objects.requireNonNull(sequencerKey, "sequencerKey");
      if (genesisDigest == null) {
        throw new IllegalArgumentException("the genesis digest is pinned: a chain started anew under the same id"
            + " must not pass");
      }
      genesisDigest = genesisDigest.clone();
    }

    @Override
    public byte[] genesisDigest() {
      return genesisDigest.clone();
    }
  }

  /** Where a transaction is in the chain. */
  public record Placement(long height, int index, Address sender, long nonce, byte[] digest) {
    @Override
    public byte[] digest() {
      return digest.clone();
    }
  }

  /** Identifies a transaction by its sender and nonce, which the ledger never lets two transactions share. */
  private record SenderNonce(Address sender, long nonce) {}

  private final Trust trust;
  private final String source;
  private final List<Block> blocks;
  private final LedgerState headState;
  private final Map<SenderNonce, Placement> bySenderNonce;
  private final Map<String, Placement> byDigest;
  private final long validationNanos;

  private ChainHistory(Trust trust, String source, List<Block> blocks, LedgerState headState,
      Map<SenderNonce, Placement> bySenderNonce, Map<String, Placement> byDigest, long validationNanos) {
    this.trust = trust;
    this.source = source;
    this.blocks = List.copyOf(blocks);
    this.headState = headState;
    this.bySenderNonce = bySenderNonce;
    this.byDigest = byDigest;
    this.validationNanos = validationNanos;
  }

  // ---------------------------------------------------------------- loading

  /**
   * Reads every block from the ledger at {@code ledgerUrl} (up to its head when the last read
   * returns nothing new) and validates them.
   *
   * @throws IOException if the ledger cannot be reached, answers with an error, or serves another ledger id
   * @throws ChainRefusedException if the blocks it serves are not a valid chain of the trusted ledger
   */
  public static ChainHistory fetch(String ledgerUrl, Trust trust) throws IOException, ChainRefusedException {
    LedgerRecovery.BlockSource ledger = LedgerRecovery.http(ledgerUrl, trust.ledgerId());
    Loader loader = new Loader(trust);
    while (true) {
      List<byte[]> page = ledger.blocks(loader.next(), BLOCKS_PER_READ);
      if (page.isEmpty()) {
        break;
      }
      for (byte[] encoded : page) {
        loader.add(encoded);
      }
    }
    return loader.finish("ledger " + ledger.name());
  }

  /**
   * Reads every block of a ledger's journal file (a copy is read, so the file itself and a ledger
   * still holding it are left alone) and validates them. A torn last record is dropped, as the
   * ledger itself would on restart.
   *
   * @throws IOException if the journal cannot be read or is damaged before its tail
   * @throws ChainRefusedException if its blocks are not a valid chain of the trusted ledger
   */
  public static ChainHistory fromJournal(Path journalFile, Trust trust) throws IOException, ChainRefusedException {
    Path scratch = Files.createTempDirectory("cachet-check-journal-");
    Path copy = scratch.resolve(journalFile.getFileName());
    List<byte[]> records = new ArrayList<>();
    try {
      Files.copy(journalFile, copy);
      try (Journal journal = Journal.open(copy, records::add)) {
        // opened only to read: the records are replayed by open
      }
    } finally {
      Files.deleteIfExists(copy);
      Files.deleteIfExists(scratch);
    }
    Loader loader = new Loader(trust);
    for (byte[] encoded : records) {
      loader.add(encoded);
    }
    return loader.finish("journal " + journalFile.getFileName());
  }

  /** Validates blocks as they come and indexes their transactions. */
  private static final class Loader {
    private final Trust trust;
    private final ChainValidator validator;
    private final List<Block> blocks = new ArrayList<>();
    private final Map<SenderNonce, Placement> bySenderNonce = new HashMap<>();
    private final Map<String, Placement> byDigest = new HashMap<>();
    private final long started = System.nanoTime();

    Loader(Trust trust) {
      this.trust = trust;
      this.validator = new ChainValidator(trust.ledgerId(), trust.sequencerKey(),
          new LedgerState(trust.sequencerKey().address()), trust.genesisDigest());
    }

    long next() {
      return blocks.size();
    }

    void add(byte[] encoded) throws ChainRefusedException {
      long height = blocks.size();
      Block block;
      try {
        block = Block.decode(encoded);
      } catch (FormatException e) {
        throw new ChainRefusedException("MALFORMED_BLOCK", height, "block " + height + " does not decode: "
            + e.getMessage(), e);
      }
      try {
        validator.apply(block);
      } catch (ChainException e) {
        throw new ChainRefusedException(e.reason(), block.height(), e.getMessage(), e);
      }
      List<Transaction> txs = block.transactions();
      for (int i = 0; i < txs.size(); i++) {
        Transaction tx = txs.get(i);
        Placement p = new Placement(block.height(), i, tx.sender(), tx.nonce(), tx.digest());
        bySenderNonce.put(new SenderNonce(tx.sender(), tx.nonce()), p);
        byDigest.put(Hex.to0x(p.digest), p);
      }
      blocks.add(block);
    }

    ChainHistory finish(String source) throws ChainRefusedException {
      if (blocks.isEmpty()) {
        throw new ChainRefusedException("NO_GENESIS", 0, source + " holds no block, not even its genesis block",
            null);
      }
      return new ChainHistory(trust, source, blocks, validator.state(), bySenderNonce, byDigest,
          System.nanoTime() - started);
    }
  }

  // ---------------------------------------------------------------- answers

  /** The ledger id the chain is of. */
  public String ledgerId() {
    return trust.ledgerId();
  }

  /** Where the blocks came from, for messages: the ledger's host:port or the journal's file name. */
  public String source() {
    return source;
  }

  /** The height of the newest block. */
  public long head() {
    return blocks.size() - 1;
  }

  /** The number of blocks, genesis included. */
  public int blockCount() {
    return blocks.size();
  }

  /** How long validating every block took, in nanoseconds (signature checks included). */
  public long validationNanos() {
    return validationNanos;
  }

  /** The block at {@code height}, if the chain reaches it. */
  public Optional<Block> block(long height) {
    return height < 0 || height > head() ? Optional.empty() : Optional.of(blocks.get((int) height));
  }

  /** The ledger time (the block's timestamp) of block {@code height}; the height must be in the chain. */
  public long ledgerTime(long height) {
    return block(height).orElseThrow(() -> new IllegalArgumentException("no block " + height + " in a chain whose"
        + " head is " + head())).timestamp();
  }

  /** Where the transaction {@code nonce} of {@code sender} is, if the chain holds it. */
  public Optional<Placement> find(Address sender, long nonce) {
    return Optional.ofNullable(bySenderNonce.get(new SenderNonce(sender, nonce)));
  }

  /** Where the transaction of this digest ({@link Transaction#digest()}) is, if the chain holds it. */
  public Optional<Placement> find(byte[] digest) {
    return Optional.ofNullable(byDigest.get(Hex.to0x(digest)));
  }

  /** The state after the head block: certificates, nonces and policies as the whole chain leaves them. Read it only. */
  public LedgerState headState() {
    return headState;
  }

  /** A new cursor over the states after each height, starting before genesis. */
  public Replay replay() {
    return new Replay();
  }

  /**
   * The states after each height, in turn: {@link #stateAt} moves forward by applying the blocks
   * between, and starts over from genesis only when asked for a height below the last one. The
   * blocks were fully validated on loading; replaying them checks the chain links again but not
   * the signatures. Not thread-safe; the state it returns changes as it moves.
   */
  public final class Replay {
    private ChainValidator validator;
    private long at;

    private Replay() {
      restart();
    }

    private void restart() {
      validator = new ChainValidator(trust.ledgerId(), trust.sequencerKey(),
          new LedgerState(trust.sequencerKey().address()), trust.genesisDigest());
      at = -1;
    }

    /** The state after block {@code height}, which must be in the chain; valid until the next call. */
    public LedgerState stateAt(long height) {
      if (height < 0 || height > head()) {
        throw new IllegalArgumentException("no block " + height + " in a chain whose head is " + head());
      }
      if (height < at) {
        restart();
      }
      try {
        while (at < height) {
          validator.applyStored(blocks.get((int) (at + 1)));
          at++;
        }
      } catch (ChainException e) {
        throw new IllegalStateException("a chain validated on loading failed its replay at height " + (at + 1), e);
      }
      return validator.state();
    }
  }

  @Override
  public String toString() {
    return "ChainHistory[" + trust.ledgerId() + " from " + source + ", head " + head() + "]";
  }
}
