package io.cachet.storage;

import java.io.InputStream;

/**
 * Where Cachet keeps ciphertext: a Walrus network through its publisher and aggregator, or the
 * embedded local network serving the same API. Blocking calls; safe for concurrent use.
 *
 * <p>Guarantees: {@link #store} returns only after the network certified the blob (or reported it
 * already certified) until at least the returned end epoch. {@link #read} streams exactly the
 * stored bytes or fails with an IOException; it never returns bytes the network did not verify.
 */
public interface BlobStore extends AutoCloseable {

  StoreResult store(BlobSource source, StoreOptions options) throws StorageException;

  /** The whole blob; the caller closes the stream. */
  InputStream read(BlobId id) throws StorageException;

  /** {@code length} bytes from {@code offset}; a range past the end fails with INVALID_RANGE. */
  InputStream read(BlobId id, long offset, long length) throws StorageException;

  @Override
  void close();
}
