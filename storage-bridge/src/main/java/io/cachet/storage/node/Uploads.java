package io.cachet.storage.node;

import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.node.NodeException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uploads a node has in progress under {@code uploads/<uploadId>/}: one shard file each,
 * written stripe by stripe, with the length and SHA-256 of every stripe received. Stripe writes of
 * one upload run in parallel (positional writes on one channel, under the upload's read lock);
 * whoever ends an upload (commit, abort, expiry) takes its write lock and sets {@code closed}.
 * Nothing is fsynced per stripe: the commit fsyncs the shard file once. Thread-safe.
 */
final class Uploads implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);
  /** Bytes an upload may write before its dirty pages are pushed to disk in the background. */
  static final long FLUSH_BEHIND_BYTES = 16L << 20;
  /** Most uploads open at once; each holds an open file. */
  static final int MAX_UPLOADS = 1024;
  /** Most stripe indexes an error message lists. */
  static final int LISTED_STRIPES = 8;

  /** A stripe an upload received: its length and SHA-256. */
  record Received(int length, byte[] digest) {}

  /** One upload: its directory, its open shard file and the stripes received so far. */
  static final class Upload {
    final String id;
    final Path dir;
    final FileChannel channel;
    final ConcurrentHashMap<Long, Received> stripes = new ConcurrentHashMap<>();
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    final AtomicLong unflushed = new AtomicLong();
    final AtomicBoolean flushing = new AtomicBoolean();
    volatile long touchedMillis;
    /** Guarded by the write lock; set once the upload is committed or abandoned. */
    boolean closed;

    Upload(String id, Path dir, FileChannel channel, long nowMillis) {
      this.id = id;
      this.dir = dir;
      this.channel = channel;
      this.touchedMillis = nowMillis;
    }
  }

  private final Path dir;
  private final Encoding encoding;
  private final int shardIndex;
  private final long maxStripes;
  private final LongSupplier nowMillis;
  private final ConcurrentHashMap<String, Upload> uploads = new ConcurrentHashMap<>();
  private final ExecutorService flusher = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "cachet-node-flusher");
    t.setDaemon(true);
    return t;
  });
  private final Object uploadCreation = new Object();

  /**
   * @param dir the {@code uploads/} directory, emptied by recovery
   * @param maxStripes the most stripes a blob of the largest metadata has
   */
  Uploads(Path dir, Encoding encoding, int shardIndex, long maxStripes, LongSupplier nowMillis) {
    this.dir = dir;
    this.encoding = encoding;
    this.shardIndex = shardIndex;
    this.maxStripes = maxStripes;
    this.nowMillis = nowMillis;
  }

  /**
   * Writes this node's shard of stripe {@code stripe} of an upload, creating the upload on its
   * first stripe. A stripe sent again replaces the earlier one.
   */
  void writeStripe(String uploadId, long stripe, byte[] shard, int length) throws NodeException, IOException {
    if (stripe < 0 || stripe >= maxStripes) {
      throw new NodeException(Reason.BAD_STRIPE, "stripe " + stripe + " is past the largest blob ("
          + maxStripes + " stripes)");
    }
    if (length < 1 || length > encoding.shardSize()) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "a shard is 1.." + encoding.shardSize() + " bytes, got "
          + length);
    }
    byte[] digest = digest(shard, length);
    Upload u = openOrGet(uploadId);
    u.lock.readLock().lock();
    try {
      if (u.closed) {
        throw new NodeException(Reason.UPLOAD_NOT_FOUND, "upload " + uploadId + " was committed or abandoned");
      }
      Durability.writeFully(u.channel, ByteBuffer.wrap(shard, 0, length), stripe * encoding.shardSize());
      u.stripes.put(stripe, new Received(length, digest));
      u.touchedMillis = now();
    } finally {
      u.lock.readLock().unlock();
    }
    flushBehind(u, length);
  }

  /**
   * Starts writing an upload's dirty pages to disk while the upload goes on, so the fsync at
   * commit finds little left to do. Without it the kernel holds back writeback until gigabytes are
   * dirty and the whole blob hits the disk at commit, after the network work instead of under it.
   * Runs on one flusher thread; never blocks the writer.
   */
  private void flushBehind(Upload u, int written) {
    if (u.unflushed.addAndGet(written) < FLUSH_BEHIND_BYTES || !u.flushing.compareAndSet(false, true)) {
      return;
    }
    u.unflushed.set(0);
    try {
      flusher.execute(() -> {
        try {
          u.channel.force(false);
        } catch (IOException e) {
          // Closed by commit or abort meanwhile: the commit's own fsync is what counts.
        } finally {
          u.flushing.set(false);
        }
      });
    } catch (RejectedExecutionException e) {
      u.flushing.set(false);
    }
  }

  Upload openOrGet(String id) throws NodeException, IOException {
    Upload u = uploads.get(id);
    if (u != null) {
      return u;
    }
    synchronized (uploadCreation) {
      u = uploads.get(id);
      if (u != null) {
        return u;
      }
      if (uploads.size() >= MAX_UPLOADS) {
        throw new NodeException(Reason.TOO_MANY_UPLOADS, "the node has " + MAX_UPLOADS + " uploads open");
      }
      Path uploadDir = dir.resolve(id);
      Files.createDirectories(uploadDir);
      FileChannel ch = FileChannel.open(uploadDir.resolve(NodeStore.SHARDS), StandardOpenOption.CREATE,
          StandardOpenOption.READ, StandardOpenOption.WRITE);
      u = new Upload(id, uploadDir, ch, now());
      uploads.put(id, u);
      LOG.debug("event=upload_opened upload={}", id);
      return u;
    }
  }

  /** The upload in progress under this id, or null. */
  Upload get(String id) {
    return uploads.get(id);
  }

  /** Forgets an upload its ender closed. */
  void forget(Upload u) {
    uploads.remove(u.id, u);
  }

  /** Uploads open now. */
  int count() {
    return uploads.size();
  }

  /** Every upload open now (a snapshot view; entries may end meanwhile). */
  Collection<Upload> all() {
    return uploads.values();
  }

  /** Null if the upload holds exactly this node's shards of the blob, else what is wrong. */
  NodeException completeOrNull(Upload u, MetadataFile metadata) throws IOException {
    long stripes = metadata.stripes();
    List<Long> missing = new ArrayList<>();
    List<Long> wrong = new ArrayList<>();
    int missingCount = 0;
    int wrongCount = 0;
    try (MetadataFile.Digests digests = metadata.digests()) {
      for (long s = 0; s < stripes; s++) {
        Received r = u.stripes.get(s);
        if (r == null) {
          if (missingCount++ < LISTED_STRIPES) {
            missing.add(s);
          }
        } else if (r.length() != metadata.shardLength(s) || !Hashes.equal(r.digest(), digests.of(s, shardIndex))) {
          if (wrongCount++ < LISTED_STRIPES) {
            wrong.add(s);
          }
        }
      }
    }
    for (Long s : u.stripes.keySet()) {
      if (s >= stripes) {
        return new NodeException(Reason.DIGEST_MISMATCH, "upload " + u.id + " has stripe " + s + " but blob "
            + metadata.blobId() + " has " + stripes + " stripes");
      }
    }
    if (wrongCount > 0) {
      return new NodeException(Reason.DIGEST_MISMATCH, wrongCount + " stripe(s) of upload " + u.id
          + " do not match the metadata's length or digest for shard " + shardIndex + ": " + listed(wrong, wrongCount));
    }
    if (missingCount > 0) {
      return new NodeException(Reason.INCOMPLETE_UPLOAD, "upload " + u.id + " lacks " + missingCount + " of "
          + stripes + " stripes: " + listed(missing, missingCount));
    }
    return null;
  }

  static String listed(List<Long> some, int count) {
    return some + (count > some.size() ? " and " + (count - some.size()) + " more" : "");
  }

  /** Abandons an upload; an unknown one is fine (abandoning is idempotent). */
  void abort(String uploadId) throws IOException {
    Upload u = uploads.get(uploadId);
    if (u == null) {
      return;
    }
    u.lock.writeLock().lock();
    try {
      if (u.closed) {
        return;
      }
      u.closed = true;
      closeQuietly(u.channel);
      Durability.deleteRecursively(u.dir);
    } finally {
      u.lock.writeLock().unlock();
      uploads.remove(uploadId, u);
    }
    LOG.info("event=upload_abandoned upload={}", uploadId);
  }

  /** Closes every open upload file; the uploads themselves are dropped at the next start. */
  @Override
  public void close() {
    flusher.shutdown();
    for (Upload u : uploads.values()) {
      u.lock.writeLock().lock();
      try {
        u.closed = true;
        closeQuietly(u.channel);
      } finally {
        u.lock.writeLock().unlock();
      }
    }
    uploads.clear();
  }

  static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.warn("event=close_failed error={}", e.toString());
    }
  }

  private long now() {
    return nowMillis.getAsLong();
  }

  private static byte[] digest(byte[] bytes, int length) {
    return Hashes.shardDigest(bytes, 0, length);
  }
}
