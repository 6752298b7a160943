package io.cachet.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * A 32-byte data-encryption key (DEK), fresh and random for each object. Never prints itself;
 * compares in constant time; {@link #destroy} zeroes it. The bytes leave this type only inside
 * this module (to Shamir, the commitment and the streaming AEAD).
 */
public final class DataKey implements Destroyable {
  public static final int LENGTH = 32;

  private final byte[] key;
  private volatile boolean destroyed;

  private DataKey(byte[] key) {
    if (key == null || key.length != LENGTH) {
      throw new IllegalArgumentException("a data key is " + LENGTH + " bytes");
    }
    this.key = key.clone();
  }

  public static DataKey generate(SecureRandom random) {
    byte[] k = new byte[LENGTH];
    random.nextBytes(k);
    try {
      return new DataKey(k);
    } finally {
      Arrays.fill(k, (byte) 0);
    }
  }

  static DataKey of(byte[] key) {
    return new DataKey(key);
  }

  /** The key bytes; package-private, and the caller zeroes the copy. */
  byte[] bytes() {
    if (destroyed) {
      throw new IllegalStateException("data key was destroyed");
    }
    return key.clone();
  }

  /** Constant-time equality of the key material. */
  public boolean sameKeyAs(DataKey other) {
    return MessageDigest.isEqual(key, other.key);
  }

  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(key, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public String toString() {
    return "DataKey[redacted]";
  }
}
