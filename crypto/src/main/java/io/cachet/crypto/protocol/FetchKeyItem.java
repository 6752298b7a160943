package io.cachet.crypto.protocol;

import io.cachet.crypto.Blake2b;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.KeyServerSlot;
import io.cachet.crypto.ShareContext;
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

  @Override
  public byte[] keyFingerprint() {
    return keyFingerprint.clone();
  }

  @Override
  public byte[] sealedShare() {
    return sealedShare.clone();
  }
}
