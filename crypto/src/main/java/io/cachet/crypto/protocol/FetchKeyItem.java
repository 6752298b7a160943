package io.cachet.crypto.protocol;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.KeyServerSlot;
import io.cachet.crypto.ShareContext;
import java.util.Objects;

/** One share asked for: the sealed share and the context it was sealed under, as the header states them. */
public record FetchKeyItem(ShareContext context, byte[] sealedShare) {
  public FetchKeyItem {
    Objects.requireNonNull(context, "context");
    if (sealedShare == null || sealedShare.length != KeyServerSlot.SEALED_SHARE_LENGTH) {
      throw new IllegalArgumentException("sealedShare must be " + KeyServerSlot.SEALED_SHARE_LENGTH + " bytes");
    }
    sealedShare = sealedShare.clone();
  }

  /** The item for slot {@code index} of a header. */
  public static FetchKeyItem of(EnvelopeHeader header, int index) {
    return new FetchKeyItem(header.shareContext(index), header.slot(index).sealedShare());
  }

  @Override
  public byte[] sealedShare() {
    return sealedShare.clone();
  }
}
