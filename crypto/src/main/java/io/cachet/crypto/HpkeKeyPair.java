package io.cachet.crypto;

import com.google.crypto.tink.HybridDecrypt;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.hybrid.HpkeParameters;
import com.google.crypto.tink.hybrid.HpkePrivateKey;
import com.google.crypto.tink.hybrid.HpkePublicKey;
import com.google.crypto.tink.hybrid.HybridConfig2026;
import com.google.crypto.tink.subtle.X25519;
import com.google.crypto.tink.util.Bytes;
import com.google.crypto.tink.util.SecretBytes;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Arrays;

/**
 * An HPKE recipient key pair: X25519 with HKDF-SHA256 and AES-256-GCM, base mode, as Tink
 * implements it. Key servers hold one per key version; a requester makes an ephemeral one per
 * request. Never prints its private half.
 */
public final class HpkeKeyPair {
  /** The one HPKE suite Cachet uses, without Tink's output prefix. */
  static final HpkeParameters PARAMETERS = suite();

  private final HpkePrivateKey tinkKey;
  private final HpkeRecipientKey publicKey;
  private final HybridDecrypt decrypter;

  private HpkeKeyPair(HpkePrivateKey tinkKey) throws GeneralSecurityException {
    if (!tinkKey.getParameters().equals(PARAMETERS)) {
      throw new InvalidKeyException("HPKE key is not DHKEM-X25519/HKDF-SHA256/AES-256-GCM without prefix");
    }
    this.tinkKey = tinkKey;
    this.publicKey = HpkeRecipientKey.of(tinkKey.getPublicKey().getPublicKeyBytes().toByteArray());
    this.decrypter = KeysetHandle.newBuilder()
        .addEntry(KeysetHandle.importKey(tinkKey).withRandomId().makePrimary())
        .build()
        .getPrimitive(HybridConfig2026.get(), HybridDecrypt.class);
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

  /** A fresh key pair from Tink's secure random source. */
  public static HpkeKeyPair generate() {
    byte[] priv = X25519.generatePrivateKey();
    try {
      return fromPrivateKey(priv);
    } finally {
      Arrays.fill(priv, (byte) 0);
    }
  }

  /** Rebuilds a pair from its 32-byte X25519 private key. */
  public static HpkeKeyPair fromPrivateKey(byte[] privateKey) {
    try {
      byte[] pub = X25519.publicFromPrivate(privateKey);
      HpkePublicKey publicKey = HpkePublicKey.create(PARAMETERS, Bytes.copyFrom(pub), null);
      return new HpkeKeyPair(HpkePrivateKey.create(publicKey,
          SecretBytes.copyFrom(privateKey, InsecureSecretKeyAccess.get())));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a usable X25519 private key", e);
    }
  }

  /** Wraps a Tink key, as a key server loads it from its encrypted keyset. */
  public static HpkeKeyPair fromTink(HpkePrivateKey key) throws GeneralSecurityException {
    return new HpkeKeyPair(key);
  }

  /** The Tink key, for storing in an encrypted keyset. */
  public HpkePrivateKey tinkKey() {
    return tinkKey;
  }

  public HpkeRecipientKey publicKey() {
    return publicKey;
  }

  /**
   * Opens what {@link HpkeRecipientKey#seal} sealed to this pair's public key with the same
   * context info; anything else fails.
   */
  public byte[] open(byte[] sealed, byte[] contextInfo) throws GeneralSecurityException {
    return decrypter.decrypt(sealed, contextInfo);
  }

  @Override
  public String toString() {
    return "HpkeKeyPair[public=" + publicKey + "]";
  }
}
