package io.cachet.policy;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.VerifyingKey;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Applies blocks to a {@link LedgerState} in order, checking each before touching the state: the
 * ledger id, the sequencer's signature, the height and previous hash (the chain), a timestamp
 * that never goes back, and every transaction accepted. The sequencer's own replay and every
 * follower use it, so "a valid chain" means one thing.
 *
 * <p>Genesis: the genesis block (height 0, no transactions) names the ledger. Its hash is the
 * genesis digest; applying it binds the state to {@link LedgerRef}(ledger id, genesis digest), so
 * from then on every transaction must have been signed for exactly this ledger. A validator given
 * an expected genesis digest (pinned in a key server's or client's configuration) refuses any
 * other genesis block with {@code WRONG_GENESIS}.
 *
 * <p>Failure rules: a block that fails {@link #check} (foreign, unsigned, out of chain, time going
 * back) changes nothing and may be retried or dropped. A correctly signed block carrying a
 * transaction the rules refuse means the sequencer itself is broken or compromised; the state is
 * then left part-way through that block and the caller must stop using it (a follower halts and
 * so turns stale, which makes key servers fail closed; the sequencer refuses to start). Honest
 * sequencers never sign such blocks, since they apply every transaction before including it.
 */
public final class ChainValidator {
  private final String ledgerId;
  private final VerifyingKey sequencerKey;
  private final LedgerState state;
  /** The genesis digest this chain must start from; null: whichever the sequencer signed. */
  private final byte[] expectedGenesis;
  private Block head;

  public ChainValidator(String ledgerId, VerifyingKey sequencerKey, LedgerState state) {
    this(ledgerId, sequencerKey, state, null);
  }

  /** A validator that accepts only the genesis block whose hash is {@code expectedGenesis} (null: any). */
  public ChainValidator(String ledgerId, VerifyingKey sequencerKey, LedgerState state, byte[] expectedGenesis) {
    this.ledgerId = Objects.requireNonNull(ledgerId, "ledgerId");
    this.sequencerKey = Objects.requireNonNull(sequencerKey, "sequencerKey");
    this.state = Objects.requireNonNull(state, "state");
    this.expectedGenesis = expectedGenesis == null ? null : expectedGenesis.clone();
  }

  /** The ledger this chain is of, or null before its genesis block. */
  public LedgerRef ledger() {
    return state.ledger();
  }

  /** The last block applied, or null before genesis. */
  public Block head() {
    return head;
  }

  public LedgerState state() {
    return state;
  }

  /** Checks the block against the chain so far, without applying it. */
  public void check(Block block) throws ChainException {
    if (!ledgerId.equals(block.ledgerId())) {
      throw new ChainException("FOREIGN_BLOCK", "block " + block.height() + " is of ledger " + block.ledgerId()
          + ", not " + ledgerId);
    }
    try {
      block.verifySignature(sequencerKey);
    } catch (CachetSecurityException e) {
      throw new ChainException("BAD_BLOCK_SIGNATURE", "block " + block.height()
          + " is not signed by the sequencer: " + e.getMessage());
    }
    checkLinks(block);
  }

  /** Height, previous hash and time order: everything {@link #check} does but the signature. */
  private void checkLinks(Block block) throws ChainException {
    if (head == null) {
      if (block.height() != 0 || !Arrays.equals(block.previousHash(), Block.GENESIS_PARENT)) {
        throw new ChainException("OUT_OF_CHAIN", "expected the genesis block, got block " + block.height());
      }
      if (!block.transactions().isEmpty()) {
        throw new ChainException("OUT_OF_CHAIN", "a genesis block carries no transactions, this one "
            + block.transactions().size());
      }
      LedgerRef genesis = LedgerRef.of(block);
      if (expectedGenesis != null && !genesis.hasGenesis(expectedGenesis)) {
        throw new ChainException("WRONG_GENESIS", "the ledger's genesis block is " + genesis + ", but "
            + new LedgerRef(ledgerId, expectedGenesis) + " is the one expected: another ledger of the same id");
      }
      LedgerRef bound = state.ledger();
      if (bound != null && !bound.equals(genesis)) {
        throw new ChainException("WRONG_GENESIS", "the ledger's genesis block is " + genesis + ", but this state is"
            + " of " + bound);
      }
    } else {
      if (!block.follows(head)) {
        throw new ChainException("OUT_OF_CHAIN", "block " + block.height() + " does not follow block "
            + head.height() + " (height or previous hash)");
      }
      if (block.timestamp() < head.timestamp()) {
        throw new ChainException("TIME_REVERSED", "block " + block.height() + " is timestamped before its parent");
      }
    }
  }

  /** Checks, then applies every transaction; a refused transaction means a forged block. */
  public void apply(Block block) throws ChainException {
    check(block);
    applyChecked(block);
  }

  /** {@link #apply} for a block that just passed {@link #check}. */
  public void applyChecked(Block block) throws ChainException {
    if (block.height() == 0) {
      state.bind(LedgerRef.of(block));
    }
    List<Transaction> txs = block.transactions();
    // signatures need no state: check them on all cores, then apply in order on this thread
    TxOutcome badSignature = (txs.size() > 1 ? txs.parallelStream() : txs.stream())
        .map(LedgerState::checkSignature).filter(Objects::nonNull).findFirst().orElse(null);
    if (badSignature != null) {
      throw new ChainException("INVALID_TRANSACTION", "block " + block.height() + " carries a transaction the"
          + " ledger rules refuse (" + badSignature.reason() + ": " + badSignature.message() + ")");
    }
    for (Transaction tx : txs) {
      TxOutcome o = state.applyVerified(tx, block.timestamp());
      if (!o.accepted()) {
        throw new ChainException("INVALID_TRANSACTION", "block " + block.height() + " carries a transaction the"
            + " ledger rules refuse (" + o.reason() + ": " + o.message() + ")");
      }
    }
    head = block;
  }

  /**
   * Applies a block from this node's own store, which it fully checked before storing it: the
   * ledger id, the chain links and the rules are checked again, signatures are not. The caller
   * checks the signature of the last stored block ({@link #checkHeadSignature}), which vouches for
   * every block below it through the hash chain.
   */
  public void applyStored(Block block) throws ChainException {
    if (!ledgerId.equals(block.ledgerId())) {
      throw new ChainException("FOREIGN_BLOCK", "stored block " + block.height() + " is of ledger "
          + block.ledgerId() + ", not " + ledgerId);
    }
    checkLinks(block);
    if (block.height() == 0) {
      state.bind(LedgerRef.of(block));
    }
    for (Transaction tx : block.transactions()) {
      TxOutcome o = state.applyVerified(tx, block.timestamp());
      if (!o.accepted()) {
        throw new ChainException("INVALID_TRANSACTION", "stored block " + block.height() + " carries a transaction"
            + " the ledger rules refuse (" + o.reason() + ": " + o.message() + ")");
      }
    }
    head = block;
  }

  /**
   * For a resume from a snapshot, which skips the blocks below it: checks the stored genesis block
   * as {@link #applyStored} would (the expected genesis included) and binds the state to its
   * ledger, leaving the head for {@link #resumeAt}.
   */
  void adoptGenesis(Block genesis) throws ChainException {
    if (head != null) {
      throw new IllegalStateException("adopt a genesis block at genesis only");
    }
    if (!ledgerId.equals(genesis.ledgerId())) {
      throw new ChainException("FOREIGN_BLOCK", "stored genesis block is of ledger " + genesis.ledgerId() + ", not "
          + ledgerId);
    }
    checkLinks(genesis);
    state.bind(LedgerRef.of(genesis));
  }

  /** Sets the head of a validator at genesis to a snapshot's block, whose state was restored. */
  void resumeAt(Block snapshotHead) {
    if (head != null) {
      throw new IllegalStateException("resume a validator at genesis only");
    }
    head = snapshotHead;
  }

  /** Checks the sequencer's signature on the head, vouching for the chain below it. */
  public void checkHeadSignature() throws ChainException {
    if (head == null) {
      return;
    }
    try {
      head.verifySignature(sequencerKey);
    } catch (CachetSecurityException e) {
      throw new ChainException("BAD_BLOCK_SIGNATURE", "block " + head.height() + " is not signed by the sequencer: "
          + e.getMessage());
    }
  }

  /**
   * Moves the head to a block whose transactions were already applied one by one (the sequencer
   * applies them as it builds the block); checks the chain but not the transactions again.
   */
  void advance(Block block) throws IllegalStateException {
    try {
      // the sequencer signed this block a moment ago with the key this validator trusts
      checkLinks(block);
    } catch (ChainException e) {
      throw new IllegalStateException("the sequencer built an invalid block: " + e.getMessage(), e);
    }
    if (block.height() == 0) {
      state.bind(LedgerRef.of(block));
    }
    head = block;
  }

  /** A block that is not the valid next block of this chain. */
  public static final class ChainException extends Exception {
    private final String reason;

    public ChainException(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }
}
