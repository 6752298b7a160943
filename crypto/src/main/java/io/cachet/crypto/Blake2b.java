package io.cachet.crypto;

import org.bouncycastle.crypto.digests.Blake2bDigest;

/** BLAKE2b-256 (Bouncy Castle), the one hash Cachet uses for addresses, fingerprints and commitments. */
public final class Blake2b {
  public static final int DIGEST_BYTES = 32;

  private Blake2b() {}

  /** BLAKE2b-256 over the concatenation of the parts. */
  public static byte[] hash256(byte[]... parts) {
    Blake2bDigest d = new Blake2bDigest(DIGEST_BYTES * 8);
    for (byte[] p : parts) {
      d.update(p, 0, p.length);
    }
    byte[] out = new byte[DIGEST_BYTES];
    d.doFinal(out, 0);
    return out;
  }
}
