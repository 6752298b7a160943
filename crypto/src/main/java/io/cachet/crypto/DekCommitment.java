package io.cachet.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The header's commitment to its data key: BLAKE2b-256 over a domain tag, the object id and the
 * key. AES-GCM is not key-committing, so without this an encryptor could hand two readers shares
 * of two keys that both decrypt the body to different plaintexts; the reader checks the rebuilt
 * key against it before any plaintext is released.
 */
public final class DekCommitment {
  public static final int LENGTH = 32;

  private static final byte[] TAG = "cachet/dek-commitment/v1".getBytes(StandardCharsets.US_ASCII);

  private DekCommitment() {}

  public static byte[] compute(DataKey key, ObjectId objectId) {
    byte[] k = key.bytes();
    try {
      return Blake2b.hash256(TAG, objectId.bytes(), k);
    } finally {
      Arrays.fill(k, (byte) 0);
    }
  }

  /** Constant-time check of a key against a commitment. */
  public static void check(DataKey key, ObjectId objectId, byte[] commitment) throws CommitmentMismatchException {
    if (!MessageDigest.isEqual(compute(key, objectId), commitment)) {
      throw new CommitmentMismatchException(
          "the data key rebuilt from the shares does not match the header's commitment for object " + objectId);
    }
  }
}
