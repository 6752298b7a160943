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
 * A signed request to change the ledger: the sender's Ed25519 key, a per-sender nonce (0, 1, 2,
 * ... in order, so a transaction can be applied once only), one {@link Operation}, and the
 * sender's signature over the canonical bytes of all three.
 */
public final class Transaction {
  /** Largest encoded transaction a reader accepts. */
  public static final int MAX_ENCODED_BYTES = 16 * 1024;

  private static final String TAG = "cachet/tx/v1";

  private final VerifyingKey sender;
  private final long nonce;
  private final Operation operation;
  private final byte[] signature;
  private final byte[] encoded;

  private Transaction(VerifyingKey sender, long nonce, Operation operation, byte[] signature) {
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
    CanonicalWriter w = signedWriter(sender, nonce, operation);
    this.encoded = w.fixed(this.signature).toByteArray();
    if (encoded.length > MAX_ENCODED_BYTES) {
      throw new IllegalArgumentException("transaction of " + encoded.length + " bytes exceeds " + MAX_ENCODED_BYTES);
    }
  }

  public static Transaction sign(Identity sender, long nonce, Operation operation) {
    byte[] unsigned = signedWriter(sender.verifyingKey(), nonce, operation).toByteArray();
    return new Transaction(sender.verifyingKey(), nonce, operation, sender.sign(unsigned));
  }

  private static CanonicalWriter signedWriter(VerifyingKey sender, long nonce, Operation op) {
    CanonicalWriter w = CanonicalWriter.tagged(TAG).fixed(sender.bytes()).u64(nonce).u8(op.code());
    op.encode(w);
    return w;
  }

  public static Transaction decode(byte[] bytes) throws FormatException {
    if (bytes.length > MAX_ENCODED_BYTES) {
      throw new FormatException("transaction of " + bytes.length + " bytes exceeds " + MAX_ENCODED_BYTES);
    }
    CanonicalReader r = new CanonicalReader(bytes);
    String tag = r.string8("tag");
    if (!TAG.equals(tag)) {
      throw new FormatException("not a Cachet transaction (tag " + tag + ")");
    }
    VerifyingKey sender = VerifyingKey.of(r.fixed(VerifyingKey.LENGTH, "sender"));
    long nonce = r.u64("nonce");
    if (nonce < 0) {
      throw new FormatException("nonce out of range");
    }
    Operation op = Operation.decode(r.u8("operation"), r);
    byte[] sig = r.fixed(VerifyingKey.SIGNATURE_LENGTH, "signature");
    r.end("transaction");
    Transaction tx = new Transaction(sender, nonce, op, sig);
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
