package io.cachet.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * Cachet's one HPKE suite, RFC 9180 base mode with DHKEM(X25519, HKDF-SHA256) (0x0020),
 * HKDF-SHA256 (0x0001) and AES-256-GCM (0x0002), run on Bouncy Castle's implementation, whose
 * X25519 is about twice as fast as Tink's.
 *
 * <p>The bytes are Tink's {@code NO_PREFIX} hybrid layout, which RFC 9180 fixes: the 32-byte
 * encapsulated key, then the AEAD ciphertext with its 16-byte tag. Our context info is the HPKE
 * {@code info}; the AEAD associated data is empty. What one side seals, the other opens
 * ({@code HpkeInteropTest}; {@code HpkeRfc9180VectorTest} holds the suite to the RFC's vectors).
 *
 * <p>Both directions refuse an all-zero X25519 shared secret (RFC 9180 section 7.1.4): Bouncy
 * Castle's agreement fails on it, which here is a low-order recipient key at seal and a low-order
 * encapsulated key at open. A Bouncy Castle {@link HPKE} object keeps the key of its last
 * exchange in a shared field, so each call makes its own (half a microsecond).
 */
final class HpkeSuite {
  /** Bytes of the encapsulated key (an X25519 public key) at the front of a sealed message. */
  static final int ENC_LENGTH = 32;

  /** Bytes of the AES-GCM tag at the end. */
  static final int TAG_LENGTH = 16;

  /** No associated data: the context info carries every binding. */
  private static final byte[] NO_AAD = new byte[0];

  private static final SecureRandom RANDOM = new SecureRandom();

  private HpkeSuite() {}

  private static HPKE hpke() {
    return new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256);
  }

  /**
   * Seals to {@code recipient} with a fresh ephemeral key.
   *
   * @throws IllegalArgumentException if the recipient key is a low-order point
   */
  static byte[] seal(X25519PublicKeyParameters recipient, byte[] plaintext, byte[] info) {
    byte[] scalar = new byte[X25519.SCALAR_SIZE];
    X25519.generatePrivateKey(RANDOM, scalar);
    X25519PrivateKeyParameters ephemeral;
    try {
      ephemeral = new X25519PrivateKeyParameters(scalar);
    } finally {
      Arrays.fill(scalar, (byte) 0);
    }
    return seal(recipient, plaintext, info, new AsymmetricCipherKeyPair(ephemeral.generatePublicKey(), ephemeral));
  }

  /** Seals with the given ephemeral key pair: for the RFC 9180 vectors, which fix it. */
  static byte[] seal(X25519PublicKeyParameters recipient, byte[] plaintext, byte[] info,
      AsymmetricCipherKeyPair ephemeral) {
    HPKEContextWithEncapsulation context;
    try {
      context = hpke().setupBaseS(recipient, info, ephemeral);
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          "refused to seal to a low-order X25519 key (the shared secret would be all zero)", e);
    }
    try {
      byte[] ciphertext = context.seal(NO_AAD, plaintext);
      byte[] out = new byte[ENC_LENGTH + ciphertext.length];
      System.arraycopy(context.getEncapsulation(), 0, out, 0, ENC_LENGTH);
      System.arraycopy(ciphertext, 0, out, ENC_LENGTH, ciphertext.length);
      return out;
    } catch (InvalidCipherTextException e) {
      throw new IllegalStateException("AES-GCM refused to seal", e);
    }
  }

  /**
   * Opens {@code sealed} (encapsulated key, then ciphertext) with the recipient's key pair.
   *
   * @throws GeneralSecurityException if it is too short, its encapsulated key is a low-order
   *     point, or it was not sealed to this key with exactly this info
   */
  static byte[] open(AsymmetricCipherKeyPair recipient, byte[] sealed, byte[] info) throws GeneralSecurityException {
    if (sealed == null || sealed.length < ENC_LENGTH + TAG_LENGTH) {
      throw new GeneralSecurityException("HPKE ciphertext too short");
    }
    byte[] enc = Arrays.copyOf(sealed, ENC_LENGTH);
    try {
      return hpke().setupBaseR(enc, recipient, info).open(NO_AAD, sealed, ENC_LENGTH, sealed.length - ENC_LENGTH);
    } catch (IllegalStateException e) {
      // Bouncy Castle's agreement fails this way on an all-zero shared secret, i.e. a low-order point
      throw new GeneralSecurityException(
          "HPKE set-up refused the encapsulated key: no usable shared secret (a low-order point)", e);
    } catch (InvalidCipherTextException e) {
      throw new GeneralSecurityException("HPKE ciphertext does not open under this key and context");
    }
  }
}
