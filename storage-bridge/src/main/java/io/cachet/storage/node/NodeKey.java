package io.cachet.storage.node;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 signing key of the storage side: a node's, with which it confirms the blobs it has
 * persisted, or a publisher's, with which it signs its writes to the nodes ({@link WriteSignature}).
 * It protects no user data.
 *
 * <p>Signed with Bouncy Castle, which takes about half the time of Tink's pure-Java signer: a
 * publisher signs every stripe it sends to every node. Ed25519 signatures are deterministic, so
 * the bytes are the ones Tink makes for the same seed and message ({@code NodeKeyTest}). Nothing
 * but this object holds the seed, so {@link #destroy} zeroes the only copy.
 */
public final class NodeKey {
  private static final int SEED_LENGTH = Ed25519.SECRET_KEY_SIZE;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] seed;
  private final byte[] publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];
  private volatile boolean destroyed;

  private NodeKey(byte[] seed) {
    this.seed = seed.clone();
    Ed25519.generatePublicKey(this.seed, 0, publicKey, 0);
  }

  public static NodeKey generate() {
    byte[] seed = new byte[SEED_LENGTH];
    RANDOM.nextBytes(seed);
    try {
      return new NodeKey(seed);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  public static NodeKey fromSeed(byte[] seed) {
    if (seed == null || seed.length != SEED_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
    }
    return new NodeKey(seed);
  }

  public byte[] seed() {
    return seed.clone();
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** @throws IllegalStateException once {@link #destroy} has run */
  public byte[] sign(byte[] message) {
    if (destroyed) {
      throw new IllegalStateException("this node key was destroyed; it signs nothing more");
    }
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, publicKey, 0, message, 0, message.length, signature, 0);
    return signature;
  }

  /** Zeroes the seed; the key signs nothing more. */
  public void destroy() {
    destroyed = true;
    Arrays.fill(seed, (byte) 0);
  }

  @Override
  public String toString() {
    return "NodeKey(public only)";
  }
}
