package io.cachet.bench.chaos.check;

import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.Block;
import io.cachet.policy.ChainValidator;
import io.cachet.policy.ChainValidator.ChainException;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Transaction;
import io.cachet.policy.journal.Journal;
import io.cachet.policy.journal.JournalCorruptedException;
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
  /** Reason: the ledger serves fewer blocks than its head or a key server's decision vouch for. */
  public static final String LEDGER_SHORT = "LEDGER_SHORT";

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
   * Reads every block from the ledger at {@code ledgerUrl}, up to the head it names when asked
   * first, and validates them; {@link #fetch(String, Trust, long)} with nothing else to reach.
   */
  public static ChainHistory fetch(String ledgerUrl, Trust trust) throws IOException, ChainRefusedException {
    return fetch(ledgerUrl, trust, 0);
  }

  /**
   * Reads every block from the ledger at {@code ledgerUrl} up to the higher of the head it names
   * when asked first and {@code mustReach}, and validates them. A live ledger adds heartbeats all
   * the while: reading on to a moving head could last forever on a slow machine, so the read stops
   * at that target. The head is the one thing taken from the ledger unsigned, and only as where
   * to stop. {@code mustReach} is what others vouch was there (the highest height a key server
   * decided at): a ledger that stops serving blocks before the target has lost blocks it once
   * acknowledged or named, which is refused as {@code LEDGER_SHORT} naming both heights.
   *
   * @throws LedgerUnreachableException if the ledger's first request cannot connect (the only case
   *     in which a caller may read the journal instead)
   * @throws ChainRefusedException if anything it serves does not hold: an error answer, another
   *     ledger id ({@code FOREIGN_LEDGER}), an undecodable page ({@code MALFORMED_BLOCK}), a read
   *     failing after it was reached, a chain short of the target, or blocks that are not a valid
   *     chain of the trusted ledger
   */
  public static ChainHistory fetch(String ledgerUrl, Trust trust, long mustReach)
      throws IOException, ChainRefusedException {
    LedgerApi ledger = new LedgerApi(ledgerUrl, trust.ledgerId());
    long head = ledger.head();
    long target = Math.max(head, mustReach);
    Loader loader = new Loader(trust);
    while (loader.next() <= target) {
      List<byte[]> page = ledger.blocks(loader.next(), (int) Math.min(BLOCKS_PER_READ, target - loader.next() + 1));
      if (page.isEmpty()) {
        throw new ChainRefusedException(LEDGER_SHORT, loader.next(), "the ledger serves blocks only up to height "
            + (loader.next() - 1) + ", but " + (target == head ? "it named head " + head
            : "a key server decided at height " + mustReach + " (the ledger named head " + head + ")"), null);
      }
      loader.addAll(page);
    }
    return loader.finish("ledger " + ledger.where());
  }

  /**
   * Reads every block of a ledger's journal file (a copy is read, so the file itself and a ledger
   * still holding it are left alone) and validates them. A torn last record is dropped, as the
   * ledger itself would on restart.
   *
   * @throws IOException if the journal cannot be read
   * @throws ChainRefusedException if it is damaged before its tail ({@code JOURNAL_DAMAGED}), or its
   *     blocks are not a valid chain of the trusted ledger
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
    } catch (JournalCorruptedException e) {
      // damage before the tail: blocks the ledger acknowledged may be gone, which is what the check is for
      throw new ChainRefusedException("JOURNAL_DAMAGED", -1, "the journal " + journalFile.getFileName()
          + " is damaged before its tail, at byte offset " + e.offset(), e);
    } finally {
      Files.deleteIfExists(copy);
      Files.deleteIfExists(scratch);
    }
    Loader loader = new Loader(trust);
    loader.addAll(records);
    return loader.finish("journal " + journalFile.getFileName());
  }

  /**
   * Validates blocks as they come and indexes their transactions. Signatures (the block's and its
   * transactions') need no state, so a page of blocks is decoded and has them checked on every
   * core first; then, in height order, each block is refused at its first fault in {@link
   * ChainValidator#check}'s order (ledger id, signature) and otherwise applied with {@link
   * ChainValidator#applyStored}, which checks the links and every rule but not the signatures
   * just checked. Together that is exactly {@link ChainValidator#apply}, on all cores.
   */
  private static final class Loader {
    private final Trust trust;
    private final ChainValidator validator;
    private final List<Block> blocks = new ArrayList<>();
    private final Map<SenderNonce, Placement> bySenderNonce = new HashMap<>();
    private final Map<String, Placement> byDigest = new HashMap<>();
    /** Time spent decoding and validating, without the time spent waiting for blocks to arrive. */
    private long validationNanos;

    Loader(Trust trust) {
      this.trust = trust;
      this.validator = new ChainValidator(trust.ledgerId(), trust.sequencerKey(),
          new LedgerState(trust.sequencerKey().address()), trust.genesisDigest());
    }

    long next() {
      return blocks.size();
    }

    /** A block decoded and its signatures checked, or why it could not be. */
    private record Decoded(Block block, FormatException undecodable, String badSignature, String badTransaction) {}

    private Decoded decode(byte[] encoded) {
      Block block;
      try {
        block = Block.decode(encoded);
      } catch (FormatException e) {
        return new Decoded(null, e, null, null);
      }
      try {
        block.verifySignature(trust.sequencerKey());
      } catch (InvalidSignatureException e) {
        return new Decoded(block, null, e.getMessage(), null);
      }
      for (Transaction tx : block.transactions()) {
        try {
          tx.verifySignature();
        } catch (InvalidSignatureException e) {
          return new Decoded(block, null, null, e.getMessage());
        }
      }
      return new Decoded(block, null, null, null);
    }

    void addAll(List<byte[]> page) throws ChainRefusedException {
      long started = System.nanoTime();
      try {
        List<Decoded> decoded = page.parallelStream().map(this::decode).toList();
        for (Decoded d : decoded) {
          validate(d);
        }
      } finally {
        validationNanos += System.nanoTime() - started;
      }
    }

    private void validate(Decoded d) throws ChainRefusedException {
      long height = blocks.size();
      if (d.undecodable() != null) {
        throw new ChainRefusedException("MALFORMED_BLOCK", height, "block " + height + " does not decode: "
            + d.undecodable().getMessage(), d.undecodable());
      }
      Block block = d.block();
      if (!trust.ledgerId().equals(block.ledgerId())) {
        throw new ChainRefusedException("FOREIGN_BLOCK", block.height(), "block " + block.height() + " is of ledger "
            + block.ledgerId() + ", not " + trust.ledgerId(), null);
      }
      if (d.badSignature() != null) {
        throw new ChainRefusedException("BAD_BLOCK_SIGNATURE", block.height(), "block " + block.height()
            + " is not signed by the sequencer: " + d.badSignature(), null);
      }
      if (d.badTransaction() != null) {
        throw new ChainRefusedException("INVALID_TRANSACTION", block.height(), "block " + block.height()
            + " carries a transaction whose signature does not verify: " + d.badTransaction(), null);
      }
      try {
        validator.applyStored(block);
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
      return new ChainHistory(trust, source, blocks, validator.state(), bySenderNonce, byDigest, validationNanos);
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

  /** How long decoding and validating every block took, in nanoseconds (signature checks included, reads not). */
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
