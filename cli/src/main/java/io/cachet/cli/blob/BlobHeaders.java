package io.cachet.cli.blob;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;

/** An envelope's header read from the aggregator without a key: the first bytes of the blob only. */
final class BlobHeaders {
  private BlobHeaders() {}

  /**
   * The header of {@code blob}: one ranged read of at most {@link EnvelopeHeader#MAX_HEADER_BYTES}.
   * Its stored length is {@code length} when known (≥ 0), else asked of the aggregator by HEAD, so
   * the body is never streamed only to be cut off.
   */
  static EnvelopeHeader read(BlobStore store, BlobId blob, long length) throws IOException, CachetSecurityException {
    long size = length >= 0 ? length : store.size(blob);
    try (InputStream in = size > 0 ? store.read(blob, 0, Math.min(EnvelopeHeader.MAX_HEADER_BYTES, size))
        : InputStream.nullInputStream()) {
      return EnvelopeHeader.read(in);
    }
  }
}
