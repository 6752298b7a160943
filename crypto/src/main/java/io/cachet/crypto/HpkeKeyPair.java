package io.cachet.crypto;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.hybrid.HpkeParameters;
import com.google.crypto.tink.hybrid.HpkePrivateKey;
import com.google.crypto.tink.hybrid.HpkePublicKey;
import com.google.crypto.tink.util.Bytes;
import com.google.crypto.tink.util.SecretBytes;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * An HPKE recipient key pair: X25519 with HKDF-SHA256 and AES-256-GCM, base mode (RFC 9180).
 * Key servers hold one per key version; a requester makes an ephemeral one per request. Never
 * prints its private half.
 *
 * <p>{@link #open} runs on Bouncy Castle ({@link HpkeSuite}); the pair is stored as a Tink
 * {@link HpkePrivateKey} ({@link #tinkKey}, {@link #fromTink}), so a key server's encrypted keyset
 * files are the same as before. The Tink key is built on first request only: building it has Tink
 * recompute the public key, a scalar multiplication an ephemeral pair does not need. Bouncy
 * Castle's key object keeps its own copy of the private key, which Java cannot zero; the copies
 * this class makes on the way are zeroed.
 */
public final class HpkeKeyPair {
  /** The one HPKE suite Cachet uses, without Tink's output prefix. */
  static final HpkeParameters PARAMETERS = suite();

  private static final SecureRandom RANDOM = new SecureRandom();

  private final X25519PrivateKeyParameters privateKey;
  private final HpkeRecipientKey publicKey;
  private final AsymmetricCipherKeyPair recipient;
  private volatile HpkePrivateKey tinkKey;

  private HpkeKeyPair(X25519PrivateKeyParameters privateKey, HpkeRecipientKey publicKey, HpkePrivateKey tinkKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.recipient = new AsymmetricCipherKeyPair(publicKey.recipient(), privateKey);
    this.tinkKey = tinkKey;
  }

  private static HpkeParameters suite() {
    try {
      return HpkeParameters.builder()
          .setKemId(HpkeParameters.KemId.DHKEM_X25519_HKDF_SHA256)
          .setKdfId(HpkeParameters.KdfId.HKDF_SHA256)
          .setAeadId(HpkeParameters.AeadId.AES_256_GCM)
          .setVariant(HpkeParameters.Variant.NO_PREFIX)
          .build();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A fresh key pair from a {@link SecureRandom}. */
  public static HpkeKeyPair generate() {
    byte[] priv = new byte[X25519.SCALAR_SIZE];
    X25519.generatePrivateKey(RANDOM, priv);
    try {
      return fromPrivateKey(priv);
    } finally {
      Arrays.fill(priv, (byte) 0);
    }
  }

  /** Rebuilds a pair from its 32-byte X25519 private key. */
  public static HpkeKeyPair fromPrivateKey(byte[] privateKey) {
    if (privateKey == null || privateKey.length != X25519.SCALAR_SIZE) {
      throw new IllegalArgumentException("an X25519 private key is " + X25519.SCALAR_SIZE + " bytes");
    }
    X25519PrivateKeyParameters key = new X25519PrivateKeyParameters(privateKey);
    return new HpkeKeyPair(key, HpkeRecipientKey.of(key.generatePublicKey().getEncoded()), null);
  }

  /** Wraps a Tink key, as a key server loads it from its encrypted keyset. */
  public static HpkeKeyPair fromTink(HpkePrivateKey key) throws GeneralSecurityException {
    if (!key.getParameters().equals(PARAMETERS)) {
      throw new InvalidKeyException("HPKE key is not DHKEM-X25519/HKDF-SHA256/AES-256-GCM without prefix");
    }
    byte[] priv = key.getPrivateKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
    try {
      // Tink checked when the key was made that the public half belongs to the private one.
      HpkeRecipientKey publicKey = HpkeRecipientKey.of(key.getPublicKey().getPublicKeyBytes().toByteArray());
      return new HpkeKeyPair(new X25519PrivateKeyParameters(priv), publicKey, key);
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyException("HPKE key: " + e.getMessage());
    } finally {
      Arrays.fill(priv, (byte) 0);
    }
  }

  /** The Tink key, for storing in an encrypted keyset. */
  public HpkePrivateKey tinkKey() {
    HpkePrivateKey k = tinkKey;
    if (k == null) {
      k = toTink();
      tinkKey = k;
    }
    return k;
  }

  private HpkePrivateKey toTink() {
    byte[] priv = privateKey.getEncoded();
    try {
      HpkePublicKey pub = HpkePublicKey.create(PARAMETERS, Bytes.copyFrom(publicKey.bytes()), null);
      return HpkePrivateKey.create(pub, SecretBytes.copyFrom(priv, InsecureSecretKeyAccess.get()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink refused an X25519 key pair", e);
    } finally {
      Arrays.fill(priv, (byte) 0);
    }
  }

  public HpkeRecipientKey publicKey() {
    return publicKey;
  }

  /**
   * Opens what {@link HpkeRecipientKey#seal} (or Tink's HPKE with the same suite, no prefix) sealed
   * to this pair's public key with the same context info; anything else fails. Safe to call from
   * several threads at once.
   */
  public byte[] open(byte[] sealed, byte[] contextInfo) throws GeneralSecurityException {
    return HpkeSuite.open(recipient, sealed, contextInfo);
  }

  @Override
  public String toString() {
    return "HpkeKeyPair[public=" + publicKey + "]";
  }
}
