package io.cachet.policy;

import io.cachet.crypto.Blake2b;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.Names;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.CanonicalReader;
import io.cachet.crypto.codec.CanonicalWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One block of the ledger: ledger id, height, the hash of the previous block, the ledger
 * timestamp (milliseconds; policies' notion of "now"), the transactions in order, and the
 * sequencer's signature over all of it. The hash of a block is BLAKE2b-256 of its full encoding,
 * signature included; block h+1 names it, which makes the chain. The hash of the genesis block
 * (height 0, no transactions) is the ledger's genesis digest ({@link LedgerRef}).
 */
public final class Block {
  /** Most transactions one block carries; the sequencer cuts a new block past this. */
  public static final int MAX_TRANSACTIONS = 4096;

  /** Largest encoded block a reader accepts. */
  public static final int MAX_ENCODED_BYTES = 8 << 20;

  /** The previous-hash of the genesis block. */
  public static final byte[] GENESIS_PARENT = new byte[Blake2b.DIGEST_BYTES];

  /** The format this class reads and writes: blocks of {@link Transaction#TAG} transactions. */
  public static final String TAG = "cachet/block/v2";

  /** Blocks of transactions that did not name their ledger: refused by name, never misread. */
  private static final String TAG_V1 = "cachet/block/v1";

  private final String ledgerId;
  private final long height;
  private final byte[] previousHash;
  private final long timestamp;
  private final List<Transaction> transactions;
  private final byte[] signature;
  private final byte[] encoded;
  private final byte[] hash;

  private Block(String ledgerId, long height, byte[] previousHash, long timestamp, List<Transaction> transactions,
      byte[] signature) {
    this.ledgerId = Names.check(ledgerId, "ledgerId");
    if (height < 0 || timestamp < 0) {
      throw new IllegalArgumentException("height and timestamp must not be negative");
    }
    this.height = height;
    if (previousHash == null || previousHash.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("previous hash is 32 bytes");
    }
    this.previousHash = previousHash.clone();
    this.timestamp = timestamp;
    this.transactions = List.copyOf(transactions);
    if (this.transactions.size() > MAX_TRANSACTIONS) {
      throw new IllegalArgumentException("a block carries at most " + MAX_TRANSACTIONS + " transactions");
    }
    if (signature == null || signature.length != VerifyingKey.SIGNATURE_LENGTH) {
      throw new IllegalArgumentException("a signature is " + VerifyingKey.SIGNATURE_LENGTH + " bytes");
    }
    this.signature = signature.clone();
    this.encoded = unsignedWriter(ledgerId, height, previousHash, timestamp, this.transactions)
        .fixed(this.signature).toByteArray();
    if (encoded.length > MAX_ENCODED_BYTES) {
      // decode refuses such a block, so no one could ever read it back
      throw new IllegalArgumentException("block of " + encoded.length + " bytes exceeds " + MAX_ENCODED_BYTES);
    }
    this.hash = Blake2b.hash256(encoded);
  }

  public static Block sign(Identity sequencer, String ledgerId, long height, byte[] previousHash, long timestamp,
      List<Transaction> transactions) {
    byte[] unsigned = unsignedWriter(ledgerId, height, previousHash, timestamp, transactions).toByteArray();
    return new Block(ledgerId, height, previousHash, timestamp, transactions, sequencer.sign(unsigned));
  }

  private static CanonicalWriter unsignedWriter(String ledgerId, long height, byte[] previousHash, long timestamp,
      List<Transaction> txs) {
    CanonicalWriter w = CanonicalWriter.tagged(TAG).string8(ledgerId).u64(height).fixed(previousHash).u64(timestamp)
        .u16(txs.size());
    for (Transaction tx : txs) {
      w.bytes16(tx.encoded());
    }
    return w;
  }

  public static Block decode(byte[] bytes) throws FormatException {
    if (bytes.length > MAX_ENCODED_BYTES) {
      throw new FormatException("block of " + bytes.length + " bytes exceeds " + MAX_ENCODED_BYTES);
    }
    CanonicalReader r = new CanonicalReader(bytes);
    String tag = r.string8("tag");
    if (TAG_V1.equals(tag)) {
      throw new FormatException("block format " + TAG_V1 + " is no longer read: its transactions do not name"
          + " their ledger; this version reads " + TAG + " (a ledger written before it must be started anew)");
    }
    if (!TAG.equals(tag)) {
      throw new FormatException(tag.startsWith("cachet/block/")
          ? "unknown block format " + tag + "; this version reads " + TAG
          : "not a Cachet block (tag " + tag + ")");
    }
    try {
      String ledgerId = r.string8("ledgerId");
      long height = r.u64("height");
      byte[] prev = r.fixed(Blake2b.DIGEST_BYTES, "previousHash");
      long timestamp = r.u64("timestamp");
      int count = r.u16("transactions.count");
      if (count > MAX_TRANSACTIONS) {
        throw new FormatException("block claims " + count + " transactions, more than " + MAX_TRANSACTIONS);
      }
      List<Transaction> txs = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        txs.add(Transaction.decode(r.bytes16("transaction[" + i + "]")));
      }
      byte[] sig = r.fixed(VerifyingKey.SIGNATURE_LENGTH, "signature");
      r.end("block");
      Block b = new Block(ledgerId, height, prev, timestamp, txs, sig);
      if (!Arrays.equals(b.encoded, bytes)) {
        throw new FormatException("block is not in canonical form");
      }
      return b;
    } catch (IllegalArgumentException e) {
      throw new FormatException("block: " + e.getMessage(), e);
    }
  }

  public void verifySignature(VerifyingKey sequencer) throws InvalidSignatureException {
    byte[] unsigned = Arrays.copyOf(encoded, encoded.length - VerifyingKey.SIGNATURE_LENGTH);
    sequencer.verify(unsigned, signature, "block " + height);
  }

  public String ledgerId() {
    return ledgerId;
  }

  public long height() {
    return height;
  }

  public byte[] previousHash() {
    return previousHash.clone();
  }

  public long timestamp() {
    return timestamp;
  }

  public List<Transaction> transactions() {
    return transactions;
  }

  public byte[] hash() {
    return hash.clone();
  }

  public byte[] encoded() {
    return encoded.clone();
  }

  /** Whether this block's previous-hash names {@code parent}. */
  public boolean follows(Block parent) {
    return parent.height + 1 == height && Arrays.equals(parent.hash, previousHash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Block b && Arrays.equals(encoded, b.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(hash);
  }

  @Override
  public String toString() {
    return "Block[" + ledgerId + " #" + height + ", " + transactions.size() + " tx, t=" + timestamp + "]";
  }
}
