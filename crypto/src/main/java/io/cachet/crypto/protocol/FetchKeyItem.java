package io.cachet.crypto.protocol;

import io.cachet.crypto.Blake2b;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.KeyServerSlot;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.codec.CanonicalWriter;
import java.util.Objects;

/**
 * One share asked for: the sealed share, the context it was sealed under and the fingerprint of
 * the key it was sealed to, as the header states them. The fingerprint lets a key server that
 * rotated its key pick the version the share was sealed to; it is a hint, not a proof (the share
 * opens only under that key and this exact context).
 */
public record FetchKeyItem(ShareContext context, byte[] keyFingerprint, byte[] sealedShare) {
  public FetchKeyItem {
    Objects.requireNonNull(context, "context");
    if (keyFingerprint == null || keyFingerprint.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("keyFingerprint must be " + Blake2b.DIGEST_BYTES + " bytes");
    }
    keyFingerprint = keyFingerprint.clone();
    if (sealedShare == null || sealedShare.length != KeyServerSlot.SEALED_SHARE_LENGTH) {
      throw new IllegalArgumentException("sealedShare must be " + KeyServerSlot.SEALED_SHARE_LENGTH + " bytes");
    }
    sealedShare = sealedShare.clone();
  }

  /** The item for slot {@code index} of a header. */
  public static FetchKeyItem of(EnvelopeHeader header, int index) {
    KeyServerSlot slot = header.slot(index);
    return new FetchKeyItem(header.shareContext(index), slot.keyFingerprint(), slot.sealedShare());
  }

  /**
   * The item's bytes as the request signs them: {@code bytes8(context info) || [32] key fingerprint
   * || bytes8(sealed share)}.
   */
  public byte[] signedBytes() {
    return new CanonicalWriter().bytes8(context.info()).fixed(keyFingerprint).bytes8(sealedShare).toByteArray();
  }

  /** BLAKE2b-256 of {@link #signedBytes}: how a receipt names this exact item. */
  public byte[] digest() {
    return Blake2b.hash256(signedBytes());
  }

  @Override
  public byte[] keyFingerprint() {
    return keyFingerprint.clone();
  }

  @Override
  public byte[] sealedShare() {
    return sealedShare.clone();
  }
}
