package io.cachet.crypto;

import java.security.MessageDigest;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * One Shamir share of a data key: the evaluation point {@code index} (1..n, the key-server slot)
 * and the 32 share bytes. Bouncy Castle's share encoding does not carry the index, so this type
 * does. Never prints its value.
 */
public final class Share implements Destroyable {
  private final int index;
  private final byte[] value;
  private volatile boolean destroyed;

  public Share(int index, byte[] value) {
    if (index < 1 || index > Shamir.MAX_SHARES) {
      throw new IllegalArgumentException("share index must be 1.." + Shamir.MAX_SHARES + ", was " + index);
    }
    if (value == null || value.length != DataKey.LENGTH) {
      throw new IllegalArgumentException("a share value is " + DataKey.LENGTH + " bytes");
    }
    this.index = index;
    this.value = value.clone();
  }

  public int index() {
    return index;
  }

  /** The share bytes; the caller zeroes the copy once used. */
  public byte[] value() {
    if (destroyed) {
      throw new IllegalStateException("share was destroyed");
    }
    return value.clone();
  }

  /** Constant-time comparison of index and value. */
  public boolean sameAs(Share other) {
    return index == other.index && MessageDigest.isEqual(value, other.value);
  }

  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(value, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public String toString() {
    return "Share[index=" + index + ", value=redacted]";
  }
}
