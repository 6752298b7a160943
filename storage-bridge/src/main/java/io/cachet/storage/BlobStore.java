package io.cachet.storage;

import io.cachet.storage.quilt.QuiltPatchId;
import java.io.InputStream;
import java.util.List;

/**
 * Where Cachet keeps ciphertext: a Walrus network through its publisher and aggregator, or the
 * embedded local network serving the same API. Blocking calls; safe for concurrent use.
 *
 * <p>Guarantees: {@link #store} returns only after the network certified the blob (or reported it
 * already certified) until at least the returned end epoch. {@link #read} streams exactly the
 * stored bytes or fails with an IOException; it never returns bytes the network did not verify.
 *
 * <p>Quilts: many small files stored as one blob, each read back alone by its patch id or by the
 * quilt id and its identifier. {@link #storeQuilt} gives the same guarantee as {@link #store} for
 * the quilt blob; {@link #readPatch} streams exactly one patch's bytes.
 */
public interface BlobStore extends AutoCloseable {

  StoreResult store(BlobSource source, StoreOptions options) throws StorageException;

  /** The whole blob; the caller closes the stream. */
  InputStream read(BlobId id) throws StorageException;

  /** {@code length} bytes from {@code offset}; a range past the end fails with INVALID_RANGE. */
  InputStream read(BlobId id, long offset, long length) throws StorageException;

  /**
   * The stored size of a blob in bytes, learnt without transferring it (HTTP {@code HEAD});
   * BLOB_NOT_FOUND when the network does not hold it.
   */
  long size(BlobId id) throws StorageException;

  /**
   * Stores {@code files} as one quilt, in that order. Identifiers are checked here first (Walrus's
   * rules, unique, not starting with {@code _}): a bad one is an IllegalArgumentException before
   * anything is sent.
   */
  QuiltStoreResult storeQuilt(List<QuiltFile> files, StoreOptions options) throws StorageException;

  /** One patch of a quilt, by its patch id; the caller closes the stream. */
  PatchStream readPatch(QuiltPatchId id) throws StorageException;

  /** One patch of a quilt, by the quilt's id and the patch's identifier; the caller closes the stream. */
  PatchStream readPatch(BlobId quilt, String identifier) throws StorageException;

  /** Every patch of a quilt, in quilt order: identifier, patch id and tags. */
  List<QuiltPatch> listPatches(BlobId quilt) throws StorageException;

  @Override
  void close();
}
