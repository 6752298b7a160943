package io.cachet.crypto;

import com.google.crypto.tink.subtle.Ed25519Sign;
import io.cachet.crypto.protocol.SessionCertificate;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import javax.security.auth.Destroyable;

/**
 * An Ed25519 identity (Tink): the private seed and what it signs with. The address it owns is
 * {@link Address#ofEd25519} of its public key. Never prints its secret; {@link #destroy} zeroes
 * the seed this object holds (Tink's signer keeps its own expanded copy, which Java cannot reach).
 */
public final class Identity implements Requester, Destroyable {
  public static final int SEED_LENGTH = 32;

  private final byte[] seed;
  private final VerifyingKey verifyingKey;
  private final Ed25519Sign signer;
  private volatile boolean destroyed;

  private Identity(byte[] seed) throws GeneralSecurityException {
    if (seed == null || seed.length != SEED_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 seed is " + SEED_LENGTH + " bytes");
    }
    this.seed = seed.clone();
    Ed25519Sign.KeyPair pair = Ed25519Sign.KeyPair.newKeyPairFromSeed(this.seed);
    this.verifyingKey = VerifyingKey.of(pair.getPublicKey());
    this.signer = new Ed25519Sign(this.seed);
  }

  public static Identity generate(SecureRandom random) {
    byte[] seed = new byte[SEED_LENGTH];
    random.nextBytes(seed);
    try {
      return new Identity(seed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is unavailable", e);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** Rebuilds an identity from its 32-byte seed (as a keystore holds it). */
  public static Identity fromSeed(byte[] seed) {
    try {
      return new Identity(seed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is unavailable", e);
    }
  }

  public byte[] sign(byte[] message) {
    if (destroyed) {
      throw new IllegalStateException("identity was destroyed");
    }
    try {
      return signer.sign(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
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
