package io.cachet.crypto;

import org.bouncycastle.crypto.digests.KeccakDigest;

/** Keccak-256 (Bouncy Castle), the hash of Ethereum addresses, EIP-55 checksums and EIP-712. */
public final class Keccak256 {
  public static final int DIGEST_BYTES = 32;

  private Keccak256() {}

  /** Keccak-256 over the concatenation of the parts. */
  public static byte[] hash(byte[]... parts) {
    KeccakDigest d = new KeccakDigest(256);
    for (byte[] p : parts) {
      d.update(p, 0, p.length);
    }
    byte[] out = new byte[DIGEST_BYTES];
    d.doFinal(out, 0);
    return out;
  }
}
