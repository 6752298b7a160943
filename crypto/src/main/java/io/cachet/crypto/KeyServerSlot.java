package io.cachet.crypto;

import java.util.Arrays;

/**
 * One key-server slot of a header: slot {@code index} holds Shamir share {@code index}, sealed
 * with HPKE to the key whose fingerprint is recorded (so a server that rotated keys knows which
 * version to use).
 */
public final class KeyServerSlot {
  /** HPKE output for a 32-byte share: 32 bytes of encapsulated key, 32 of ciphertext, 16 of tag. */
  public static final int SEALED_SHARE_LENGTH = 80;

  private final int index;
  private final String keyServerId;
  private final byte[] keyFingerprint;
  private final byte[] sealedShare;

  public KeyServerSlot(int index, String keyServerId, byte[] keyFingerprint, byte[] sealedShare) {
    if (index < 1) {
      throw new IllegalArgumentException("slot index starts at 1");
    }
    Names.check(keyServerId, "key server id");
    if (keyFingerprint == null || keyFingerprint.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("a key fingerprint is 32 bytes");
    }
    if (sealedShare == null || sealedShare.length != SEALED_SHARE_LENGTH) {
      throw new IllegalArgumentException("a sealed share is " + SEALED_SHARE_LENGTH + " bytes");
    }
    this.index = index;
    this.keyServerId = keyServerId;
    this.keyFingerprint = keyFingerprint.clone();
    this.sealedShare = sealedShare.clone();
  }

  public int index() {
    return index;
  }

  public String keyServerId() {
    return keyServerId;
  }

  public byte[] keyFingerprint() {
    return keyFingerprint.clone();
  }

  public byte[] sealedShare() {
    return sealedShare.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyServerSlot s && index == s.index && keyServerId.equals(s.keyServerId)
        && Arrays.equals(keyFingerprint, s.keyFingerprint) && Arrays.equals(sealedShare, s.sealedShare);
  }

  @Override
  public int hashCode() {
    return 31 * index + keyServerId.hashCode();
  }

  @Override
  public String toString() {
    return "KeyServerSlot[" + index + ", " + keyServerId + "]";
  }
}
