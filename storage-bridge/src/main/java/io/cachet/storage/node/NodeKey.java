package io.cachet.storage.node;

import com.google.crypto.tink.subtle.Ed25519Sign;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * An Ed25519 signing key of the storage side (Tink): a node's, with which it confirms the blobs it
 * has persisted, or a publisher's, with which it signs its writes to the nodes
 * ({@link WriteSignature}). It protects no user data.
 */
public final class NodeKey {
  private final byte[] seed;
  private final byte[] publicKey;
  private final Ed25519Sign signer;

  private NodeKey(byte[] seed) throws GeneralSecurityException {
    Ed25519Sign.KeyPair pair = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed);
    this.seed = seed.clone();
    this.publicKey = pair.getPublicKey();
    this.signer = new Ed25519Sign(pair.getPrivateKey());
  }

  public static NodeKey generate() {
    try {
      Ed25519Sign.KeyPair pair = Ed25519Sign.KeyPair.newKeyPair();
      return new NodeKey(pair.getPrivateKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 key generation failed", e);
    }
  }

  public static NodeKey fromSeed(byte[] seed) {
    if (seed == null || seed.length != 32) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
    }
    try {
      return new NodeKey(seed);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 seed", e);
    }
  }

  public byte[] seed() {
    return seed.clone();
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  public byte[] sign(byte[] message) {
    try {
      return signer.sign(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** Zeroes the seed this object holds; Tink's signer keeps its own copy. */
  public void destroy() {
    Arrays.fill(seed, (byte) 0);
  }

  @Override
  public String toString() {
    return "NodeKey(public only)";
  }
}
