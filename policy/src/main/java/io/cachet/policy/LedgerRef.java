package io.cachet.policy;

import io.cachet.crypto.Blake2b;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Names;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Names exactly one ledger: its id and its genesis digest (the BLAKE2b-256 hash of its genesis
 * block, signature included). Every signed transaction and every policy id carries one, so that
 * nothing signed for one ledger means anything on another.
 *
 * <p>Two ledgers may share an id (every devnet is called {@code devnet}) but not a genesis
 * digest: the genesis block holds the ledger id, its creation time, and the sequencer's signature,
 * so a ledger started again from an empty journal, or by another sequencer, has another digest.
 *
 * <p>Immutable; equal when both the id and the digest are equal.
 */
public final class LedgerRef {
  private final String ledgerId;
  private final byte[] genesisDigest;

  public LedgerRef(String ledgerId, byte[] genesisDigest) {
    this.ledgerId = Names.check(ledgerId, "ledgerId");
    if (genesisDigest == null || genesisDigest.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("a genesis digest is " + Blake2b.DIGEST_BYTES + " bytes");
    }
    this.genesisDigest = genesisDigest.clone();
  }

  /** The ledger whose genesis block is {@code genesis}. */
  public static LedgerRef of(Block genesis) {
    if (genesis.height() != 0) {
      throw new IllegalArgumentException("block " + genesis.height() + " is not a genesis block");
    }
    return new LedgerRef(genesis.ledgerId(), genesis.hash());
  }

  /** Parses a genesis digest as it is printed ({@code 0x} and 64 lower-case hex digits). */
  public static byte[] parseGenesisDigest(String text, String what) throws FormatException {
    return Hex.from0x(text, Blake2b.DIGEST_BYTES, what);
  }

  public String ledgerId() {
    return ledgerId;
  }

  public byte[] genesisDigest() {
    return genesisDigest.clone();
  }

  /** The genesis digest as {@code 0x} and 64 hex digits, the form the ledger's API and descriptors use. */
  public String genesisHex() {
    return Hex.to0x(genesisDigest);
  }

  /** Whether {@code digest} is this ledger's genesis digest. */
  public boolean hasGenesis(byte[] digest) {
    return digest != null && MessageDigest.isEqual(genesisDigest, digest);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LedgerRef r && ledgerId.equals(r.ledgerId) && Arrays.equals(genesisDigest, r.genesisDigest);
  }

  @Override
  public int hashCode() {
    return ledgerId.hashCode() * 31 + Arrays.hashCode(genesisDigest);
  }

  /** The id and the first 8 bytes of the digest: enough to tell two ledgers of one id apart in a message. */
  @Override
  public String toString() {
    return ledgerId + " (genesis " + genesisHex().substring(0, 18) + "…)";
  }
}
