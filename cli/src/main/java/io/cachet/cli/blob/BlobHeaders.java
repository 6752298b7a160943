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
   * The header of {@code blob}. With its stored length known ({@code length} ≥ 0), one ranged read
   * of at most {@link EnvelopeHeader#MAX_HEADER_BYTES}; else the blob's stream, closed once the
   * header is read.
   */
  static EnvelopeHeader read(BlobStore store, BlobId blob, long length) throws IOException, CachetSecurityException {
    try (InputStream in = length > 0 ? store.read(blob, 0, Math.min(EnvelopeHeader.MAX_HEADER_BYTES, length))
        : store.read(blob)) {
      return EnvelopeHeader.read(in);
    }
  }
}
