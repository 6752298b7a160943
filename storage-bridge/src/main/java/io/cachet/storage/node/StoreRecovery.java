package io.cachet.storage.node;

import io.cachet.common.io.DurableFiles;
import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recovery rules a node applies to its data directory at start, before it serves anything:
 *
 * <ol>
 *   <li>{@code uploads/} and {@code incoming/} are emptied: an upload never committed was never
 *       confirmed, and a request body streamed to {@code incoming/} was never acted on;
 *   <li>every {@code *.tmp} under {@code blobs/} (a lifetime being replaced, an install being
 *       staged, a collected blob being deleted) is deleted;
 *   <li>every blob directory is indexed by the length in its metadata header and its lifetime; a
 *       missing or damaged lifetime or metadata header is a hard error naming the file; an entry
 *       that is not a blob id is logged and left alone.
 * </ol>
 */
final class StoreRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(StoreRecovery.class);

  private StoreRecovery() {}

  /** Applies the rules and hands every blob directory found to {@code held}. */
  static void recover(NodeConfig config, BiConsumer<BlobId, BlobIndex.Held> held) throws IOException {
    Path blobsDir = config.dataDir().resolve(NodeStore.BLOBS);
    Path uploadsDir = config.dataDir().resolve(NodeStore.UPLOADS);
    Path incomingDir = config.dataDir().resolve(NodeStore.INCOMING);
    int count = 0;
    Files.createDirectories(blobsDir);
    int removed = 0;
    if (Files.exists(uploadsDir)) {
      try (DirectoryStream<Path> left = Files.newDirectoryStream(uploadsDir)) {
        for (Path p : left) {
          Durability.deleteRecursively(p);
          removed++;
        }
      }
    }
    Files.createDirectories(uploadsDir);
    int tmp = 0;
    if (Files.exists(incomingDir)) {
      try (DirectoryStream<Path> left = Files.newDirectoryStream(incomingDir)) {
        for (Path p : left) {
          Durability.deleteRecursively(p);
          tmp++;
        }
      }
    }
    DurableFiles.privateDirectory(incomingDir);
    int ignored = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(blobsDir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (name.endsWith(NodeStore.TMP_SUFFIX)) {
          Durability.deleteRecursively(p);
          tmp++;
          continue;
        }
        BlobId id = blobIdOrNull(name);
        if (id == null || !Files.isDirectory(p)) {
          LOG.warn("event=unknown_entry_ignored path={}", p);
          ignored++;
          continue;
        }
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(p, "*" + NodeStore.TMP_SUFFIX)) {
          for (Path s : stale) {
            Files.deleteIfExists(s);
            tmp++;
          }
        }
        if (!Files.exists(p.resolve(LifetimeFile.NAME))) {
          throw new IOException("damaged blob directory " + p + ": no " + LifetimeFile.NAME + " file");
        }
        long endEpoch = LifetimeFile.read(p);
        long size = readMetadataLength(p.resolve(NodeStore.METADATA));
        held.accept(id, new BlobIndex.Held(size, endEpoch));
        count++;
      }
    }
    Durability.syncDirectory(blobsDir);
    Durability.syncDirectory(config.dataDir());
    LOG.info("event=store_recovered dir={} blobs={} uploads_removed={} tmp_removed={} ignored={}",
        config.dataDir(), count, removed, tmp, ignored);
  }

  private static long readMetadataLength(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("damaged blob directory " + file.getParent() + ": no " + NodeStore.METADATA + " file");
    }
    ByteBuffer b = ByteBuffer.allocate(BlobMetadata.HEADER_BYTES);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Durability.readFully(ch, b, 0);
    }
    b.flip();
    try {
      return BlobMetadata.parseHeader(b).length();
    } catch (IllegalArgumentException e) {
      throw new IOException("damaged metadata file " + file + ": " + e.getMessage(), e);
    }
  }

  private static BlobId blobIdOrNull(String name) {
    if (name.length() != BlobId.TEXT_LENGTH) {
      return null;
    }
    try {
      return BlobId.parse(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
