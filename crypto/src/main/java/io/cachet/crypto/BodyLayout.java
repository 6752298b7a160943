package io.cachet.crypto;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingKey;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.streamingaead.subtle.AesGcmHkdfStreamingAead;
import com.google.crypto.tink.util.SecretBytes;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * How an envelope body is encrypted and laid out: Tink's AES-256-GCM-HKDF-SHA256 streaming AEAD
 * with 1 MiB ciphertext segments, keyed by the data key. The body is Tink's own format: a 40-byte
 * stream header (length byte, 32-byte salt, 7-byte nonce prefix), then segments of 1 MiB, each
 * ending in a 16-byte tag; the first segment carries 40 bytes less plaintext, the last may be short.
 */
public final class BodyLayout {
  /** The only body algorithm of format version 1. */
  public static final int AES256_GCM_HKDF_SHA256 = 1;

  /** Ciphertext bytes per segment. */
  public static final int SEGMENT_SIZE = 1 << 20;

  /** Tink's stream header: one length byte, a salt as long as the key, a 7-byte nonce prefix. */
  static final int STREAM_HEADER_LENGTH = 1 + 32 + 7;

  /** AES-GCM tag at the end of every segment. */
  static final int TAG_LENGTH = 16;

  public static final BodyLayout DEFAULT = new BodyLayout();

  private static final AesGcmHkdfStreamingParameters PARAMETERS = parameters();

  private BodyLayout() {}

  static BodyLayout of(int algorithmId, long segmentSize) throws FormatException {
    if (algorithmId != AES256_GCM_HKDF_SHA256) {
      throw new FormatException("unknown body algorithm " + algorithmId);
    }
    if (segmentSize != SEGMENT_SIZE) {
      throw new FormatException("body algorithm " + algorithmId + " uses " + SEGMENT_SIZE
          + "-byte segments, header says " + segmentSize);
    }
    return DEFAULT;
  }

  private static AesGcmHkdfStreamingParameters parameters() {
    try {
      return AesGcmHkdfStreamingParameters.builder()
          .setKeySizeBytes(DataKey.LENGTH)
          .setDerivedAesGcmKeySizeBytes(32)
          .setHkdfHashType(AesGcmHkdfStreamingParameters.HashType.SHA256)
          .setCiphertextSegmentSizeBytes(SEGMENT_SIZE)
          .build();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  public int algorithmId() {
    return AES256_GCM_HKDF_SHA256;
  }

  public int ciphertextSegmentSize() {
    return SEGMENT_SIZE;
  }

  /** Plaintext bytes in every segment but the first and the last. */
  public int plaintextSegmentSize() {
    return SEGMENT_SIZE - TAG_LENGTH;
  }

  /** Body length for a plaintext of {@code plaintextLength} bytes, as Tink lays it out. */
  public long ciphertextLength(long plaintextLength) {
    long covered = plaintextLength + STREAM_HEADER_LENGTH;
    long full = covered / plaintextSegmentSize();
    long rest = covered % plaintextSegmentSize();
    return full * SEGMENT_SIZE + (rest > 0 ? rest + TAG_LENGTH : 0);
  }

  StreamingAead streamingAead(DataKey key) throws GeneralSecurityException {
    byte[] k = key.bytes();
    try {
      return AesGcmHkdfStreamingAead.create(AesGcmHkdfStreamingKey.create(PARAMETERS,
          SecretBytes.copyFrom(k, InsecureSecretKeyAccess.get())));
    } finally {
      Arrays.fill(k, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "AES256_GCM_HKDF_SHA256/" + SEGMENT_SIZE;
  }
}
