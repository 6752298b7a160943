package io.cachet.storage.node;

import io.cachet.common.io.DurableFiles;
import io.cachet.storage.BlobId;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.node.NodeException.Reason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blobs a node holds under {@code blobs/<blobId>/}: an in-memory index (id to size and end
 * epoch) that mirrors the directories, the per-blob locks every mutation holds, and each blob's
 * verified metadata file ({@link MetadataFile}, a header and a path, cached). A blob whose end
 * epoch is not after the current epoch is invisible. Thread-safe.
 */
final class BlobIndex {
  private static final Logger LOG = LoggerFactory.getLogger(BlobIndex.class);
  /** Locks the blobs are spread over. */
  private static final int LOCK_STRIPES = 64;
  /** Verified metadata files remembered (a header and a path each; verifying rereads the file). */
  static final int METADATA_CACHE_ENTRIES = 4096;

  /** A blob in the index: its unencoded size and exclusive end epoch. */
  record Held(long size, long endEpoch) {}

  private final NodeConfig config;
  private final Path blobsDir;
  private final ConcurrentSkipListMap<BlobId, Held> index = new ConcurrentSkipListMap<>();
  private final AtomicInteger blobCount = new AtomicInteger();
  private final MetadataCache metadataCache = new MetadataCache(METADATA_CACHE_ENTRIES);
  private final Object[] locks = new Object[LOCK_STRIPES];

  BlobIndex(NodeConfig config, Path blobsDir) {
    this.config = config;
    this.blobsDir = blobsDir;
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
  }

  /** Adds or replaces a blob's entry. */
  void put(BlobId id, Held held) {
    if (index.put(id, held) == null) {
      blobCount.incrementAndGet();
    }
  }

  /** Adds a blob just committed or installed, with its metadata now at its final place. */
  void add(BlobId id, Held held, MetadataFile metadata) {
    put(id, held);
    metadataPlaced(id, metadata);
  }

  /** Remembers verified metadata whose bytes now lie at the blob's metadata file. */
  void metadataPlaced(BlobId id, MetadataFile metadata) {
    metadataCache.put(id, metadata.movedTo(blobDir(id).resolve(NodeStore.METADATA), 0));
  }

  /** The entry of a blob, visible or not; null if none. */
  Held get(BlobId id) {
    return index.get(id);
  }

  /** Every entry, in id order (read-only; entries may change meanwhile). */
  NavigableMap<BlobId, Held> entries() {
    return Collections.unmodifiableNavigableMap(index);
  }

  /** Blobs in the index (expired ones until they are collected). */
  int count() {
    return blobCount.get();
  }

  Path blobDir(BlobId id) {
    return blobsDir.resolve(id.toString());
  }

  Object lock(BlobId id) {
    return locks[Math.floorMod(id.hashCode(), LOCK_STRIPES)];
  }

  Held visible(BlobId id, long epoch) {
    Held h = index.get(id);
    return h != null && h.endEpoch() > epoch ? h : null;
  }

  Held visibleOrThrow(BlobId id) throws NodeException {
    Held h = visible(id, config.currentEpoch());
    if (h == null) {
      throw new NodeException(Reason.BLOB_NOT_FOUND, "this node holds no blob " + id);
    }
    return h;
  }

  /**
   * A blob directory deleted behind the node's back (by an operator, a disk fault) while the
   * index still lists the blob: the node no longer holds it, so it says BLOB_NOT_FOUND, stops
   * listing it and lets repair install it afresh. Otherwise no shard could ever be written back
   * (there is no directory to write into) and the node would fail every read and challenge until
   * it restarts.
   */
  void throwIfLost(BlobId id) throws NodeException {
    if (Files.isDirectory(blobDir(id))) {
      return;
    }
    synchronized (lock(id)) {
      if (!Files.isDirectory(blobDir(id))) {
        dropLost(id);
      }
    }
    throw new NodeException(Reason.BLOB_NOT_FOUND, "this node lost blob " + id + " (its directory is gone)");
  }

  /** Caller holds the blob lock and saw the blob directory missing. */
  void dropLost(BlobId id) {
    if (index.containsKey(id)) {
      removeFromIndex(id);
      LOG.error("event=blob_directory_lost blob={} dir={}", id, blobDir(id));
    }
  }

  void removeFromIndex(BlobId id) {
    if (index.remove(id) != null) {
      blobCount.decrementAndGet();
    }
    metadataCache.remove(id);
  }

  /** Renames the blob directory to a {@code .tmp} name (atomic), then deletes it. */
  void deleteBlobDir(BlobId id) throws IOException {
    Path dir = blobDir(id);
    if (!Files.exists(dir)) {
      return;
    }
    Path trash = blobsDir.resolve(id + ".gc" + NodeStore.TMP_SUFFIX);
    Durability.deleteRecursively(trash);
    Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
    Durability.deleteRecursively(trash);
  }

  void setLifetime(BlobId id, long size, long endEpoch) throws IOException {
    LifetimeFile.replace(blobDir(id), endEpoch);
    index.put(id, new Held(size, endEpoch));
  }

  void checkEncoding(MetadataFile m) throws NodeException {
    Encoding encoding = config.network().encoding();
    if (!m.encoding().equals(encoding)) {
      throw new NodeException(Reason.WRONG_ENCODING, "the network encodes " + encoding + ", the metadata says "
          + m.encoding());
    }
  }

  void checkEndEpoch(long endEpoch, long epoch) throws NodeException {
    long max = epoch + config.network().epochs().maxEpochsAhead();
    if (endEpoch <= epoch || endEpoch > max) {
      throw new NodeException(Reason.BAD_EPOCH, "end epoch " + endEpoch + " is outside " + (epoch + 1) + ".." + max
          + " (current epoch " + epoch + ")");
    }
  }

  static void checkStripe(MetadataFile m, long stripe) throws NodeException {
    if (stripe < 0 || stripe >= m.stripes()) {
      throw new NodeException(Reason.BAD_STRIPE, "blob " + m.blobId() + " has " + m.stripes() + " stripes, no stripe "
          + stripe);
    }
  }

  /**
   * The blob's verified metadata file. The first use after a start rereads and verifies the whole
   * file (O(log n) memory); a file that no longer hashes to the blob id is METADATA_CORRUPT.
   */
  MetadataFile metadata(BlobId id) throws NodeException, IOException {
    MetadataFile m = metadataCache.get(id);
    if (m != null) {
      return m;
    }
    try {
      m = MetadataFile.verify(blobDir(id).resolve(NodeStore.METADATA), 0);
    } catch (NoSuchFileException e) {
      visibleOrThrow(id);
      throwIfLost(id);
      throw new NodeException(Reason.METADATA_CORRUPT, "blob " + id + " has no metadata file on this node");
    } catch (NodeException e) {
      throw new NodeException(Reason.METADATA_CORRUPT, "metadata file of blob " + id + ": " + e.getMessage());
    }
    if (!m.blobId().equals(id)) {
      throw new NodeException(Reason.METADATA_CORRUPT, "metadata file of blob " + id + " is for blob " + m.blobId());
    }
    metadataCache.put(id, m);
    return m;
  }

  /**
   * Puts verified metadata bytes under {@code target}, durably: a file holding only them is
   * renamed there; metadata inside a larger body (a repair install) is copied out first.
   */
  static void placeMetadata(MetadataFile m, Path target) throws IOException {
    Path source = m.file();
    if (m.offset() != 0) {
      source = target.resolveSibling(target.getFileName() + NodeStore.TMP_SUFFIX);
      Files.deleteIfExists(source);
      try (FileChannel in = FileChannel.open(m.file(), StandardOpenOption.READ);
          FileChannel out = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        long at = m.offset();
        long end = m.offset() + m.size();
        while (at < end) {
          at += in.transferTo(at, end - at, out);
        }
      }
    }
    DurableFiles.commit(source, target);
  }
}
