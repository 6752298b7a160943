package io.cachet.crypto;

import io.cachet.crypto.protocol.SessionCertificate;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import javax.security.auth.Destroyable;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 identity: the private seed and what it signs with. The address it owns is
 * {@link Address#ofEd25519} of its public key. Never prints its secret; {@link #destroy} zeroes
 * the seed, the only copy this object keeps.
 *
 * <p>Signing runs on Bouncy Castle (RFC 8032), about twice as fast as Tink's. Ed25519
 * signatures are deterministic, so the bytes are the ones Tink makes for the same seed and message
 * ({@code Ed25519InteropTest}). Each signature expands the seed again (one SHA-512), in temporaries
 * Bouncy Castle does not zero.
 */
public final class Identity implements Requester, Destroyable {
  public static final int SEED_LENGTH = 32;

  private final byte[] seed;
  private final byte[] publicKey;
  private final VerifyingKey verifyingKey;
  private volatile boolean destroyed;

  private Identity(byte[] seed) {
    if (seed == null || seed.length != SEED_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 seed is " + SEED_LENGTH + " bytes");
    }
    this.seed = seed.clone();
    this.publicKey = new byte[VerifyingKey.LENGTH];
    Ed25519.generatePublicKey(this.seed, 0, publicKey, 0);
    this.verifyingKey = VerifyingKey.of(publicKey);
  }

  public static Identity generate(SecureRandom random) {
    byte[] seed = new byte[SEED_LENGTH];
    random.nextBytes(seed);
    try {
      return new Identity(seed);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** Rebuilds an identity from its 32-byte seed (as a keystore holds it). */
  public static Identity fromSeed(byte[] seed) {
    return new Identity(seed);
  }

  public byte[] sign(byte[] message) {
    if (destroyed) {
      throw new IllegalStateException("identity was destroyed");
    }
    byte[] signature = new byte[VerifyingKey.SIGNATURE_LENGTH];
    Ed25519.sign(seed, 0, publicKey, 0, message, 0, message.length, signature, 0);
    return signature;
  }

  public VerifyingKey verifyingKey() {
    return verifyingKey;
  }

  @Override
  public Address address() {
    return verifyingKey.address();
  }

  @Override
  public SessionCertificate certify(VerifyingKey sessionKey, Instant createdAt, Duration ttl, List<String> audience) {
    return SessionCertificate.issue(this, sessionKey, createdAt, ttl, audience);
  }

  /** The seed, for a keystore to encrypt. The caller zeroes the copy it receives. */
  byte[] seed() {
    if (destroyed) {
      throw new IllegalStateException("identity was destroyed");
    }
    return seed.clone();
  }

  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(seed, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public String toString() {
    return "Identity[" + address() + "]";
  }
}
