package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.CanonicalReader;
import io.cachet.crypto.codec.CanonicalWriter;
import java.util.Arrays;
import java.util.Objects;

/**
 * A signed request to change one ledger: the ledger it is for ({@link LedgerRef}: id and genesis
 * digest), the sender's Ed25519 key, a per-sender nonce (0, 1, 2, ... in order, so a transaction
 * can be applied once only), one {@link Operation}, and the sender's signature over the canonical
 * bytes of all of them.
 *
 * <p>Guarantee: the signature covers the ledger, so a transaction copied from one ledger's public
 * blocks onto another is refused there ({@link Reason#WRONG_LEDGER}), even when both ledgers share
 * an id and the sender uses the same key and nonce on both. Decoding reads only the current format
 * ({@value #TAG}); an older one fails naming its version.
 */
public final class Transaction {
  /** Largest encoded transaction a reader accepts. */
  public static final int MAX_ENCODED_BYTES = 16 * 1024;

  /** The format this class reads and writes; docs/FORMAT.md, "Ledger transactions". */
  public static final String TAG = "cachet/tx/v2";

  /** The format before transactions named their ledger: refused by name, never misread. */
  private static final String TAG_V1 = "cachet/tx/v1";

  private final LedgerRef ledger;
  private final VerifyingKey sender;
  private final long nonce;
  private final Operation operation;
  private final byte[] signature;
  private final byte[] encoded;

  private Transaction(LedgerRef ledger, VerifyingKey sender, long nonce, Operation operation, byte[] signature) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.sender = Objects.requireNonNull(sender, "sender");
    if (nonce < 0) {
      throw new IllegalArgumentException("nonce must not be negative");
    }
    this.nonce = nonce;
    this.operation = Objects.requireNonNull(operation, "operation");
    if (signature == null || signature.length != VerifyingKey.SIGNATURE_LENGTH) {
      throw new IllegalArgumentException("a signature is " + VerifyingKey.SIGNATURE_LENGTH + " bytes");
    }
    this.signature = signature.clone();
    CanonicalWriter w = signedWriter(ledger, sender, nonce, operation);
    this.encoded = w.fixed(this.signature).toByteArray();
    if (encoded.length > MAX_ENCODED_BYTES) {
      throw new IllegalArgumentException("transaction of " + encoded.length + " bytes exceeds " + MAX_ENCODED_BYTES);
    }
  }

  /** Signs {@code operation} as {@code sender}'s transaction number {@code nonce} on {@code ledger}. */
  public static Transaction sign(Identity sender, LedgerRef ledger, long nonce, Operation operation) {
    byte[] unsigned = signedWriter(ledger, sender.verifyingKey(), nonce, operation).toByteArray();
    return new Transaction(ledger, sender.verifyingKey(), nonce, operation, sender.sign(unsigned));
  }

  private static CanonicalWriter signedWriter(LedgerRef ledger, VerifyingKey sender, long nonce, Operation op) {
    CanonicalWriter w = CanonicalWriter.tagged(TAG).string8(ledger.ledgerId()).fixed(ledger.genesisDigest())
        .fixed(sender.bytes()).u64(nonce).u8(op.code());
    op.encode(w);
    return w;
  }

  public static Transaction decode(byte[] bytes) throws FormatException {
    if (bytes.length > MAX_ENCODED_BYTES) {
      throw new FormatException("transaction of " + bytes.length + " bytes exceeds " + MAX_ENCODED_BYTES);
    }
    CanonicalReader r = new CanonicalReader(bytes);
    String tag = r.string8("tag");
    if (TAG_V1.equals(tag)) {
      throw new FormatException("transaction format " + TAG_V1 + " is no longer read: since " + TAG
          + " a transaction names its ledger (id and genesis digest); sign it again for the ledger it is meant for");
    }
    if (!TAG.equals(tag)) {
      throw new FormatException(tag.startsWith("cachet/tx/")
          ? "unknown transaction format " + tag + "; this version reads " + TAG
          : "not a Cachet transaction (tag " + tag + ")");
    }
    LedgerRef ledger;
    try {
      ledger = new LedgerRef(r.string8("ledgerId"), r.fixed(Blake2b.DIGEST_BYTES, "genesisDigest"));
    } catch (IllegalArgumentException e) {
      throw new FormatException("transaction: " + e.getMessage(), e);
    }
    VerifyingKey sender = VerifyingKey.of(r.fixed(VerifyingKey.LENGTH, "sender"));
    long nonce = r.u64("nonce");
    if (nonce < 0) {
      throw new FormatException("nonce out of range");
    }
    Operation op = Operation.decode(r.u8("operation"), r);
    byte[] sig = r.fixed(VerifyingKey.SIGNATURE_LENGTH, "signature");
    r.end("transaction");
    Transaction tx = new Transaction(ledger, sender, nonce, op, sig);
    if (!Arrays.equals(tx.encoded, bytes)) {
      throw new FormatException("transaction is not in canonical form");
    }
    return tx;
  }

  public void verifySignature() throws InvalidSignatureException {
    byte[] unsigned = Arrays.copyOf(encoded, encoded.length - VerifyingKey.SIGNATURE_LENGTH);
    try {
      sender.verify(unsigned, signature, "transaction");
    } catch (InvalidSignatureException e) {
      // the detailed message (which derives the address) is built only for the failure
      throw new InvalidSignatureException("transaction " + nonce + " of " + sender() + ": signature does not verify");
    }
  }

  /** Identifies a transaction: BLAKE2b-256 of its encoding. */
  public byte[] digest() {
    return Blake2b.hash256(encoded);
  }

  public byte[] encoded() {
    return encoded.clone();
  }

  public int encodedLength() {
    return encoded.length;
  }

  /** The ledger this transaction was signed for. */
  public LedgerRef ledger() {
    return ledger;
  }

  public VerifyingKey senderKey() {
    return sender;
  }

  public Address sender() {
    return sender.address();
  }

  public long nonce() {
    return nonce;
  }

  public Operation operation() {
    return operation;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Transaction t && Arrays.equals(encoded, t.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "Transaction[" + sender() + " #" + nonce + " " + operation.getClass().getSimpleName() + "]";
  }
}
