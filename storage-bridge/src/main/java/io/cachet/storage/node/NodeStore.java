package io.cachet.storage.node;

import io.cachet.common.io.DurableFiles;
import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.node.NodeException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a storage node keeps on disk. Blocking and thread-safe; the HTTP layer calls it from
 * worker threads only.
 *
 * <p>Layout under the data directory ({@code docs/STORAGE.md}):
 *
 * <pre>
 * blobs/&lt;blobId&gt;/metadata    metadata bytes
 * blobs/&lt;blobId&gt;/shards      this node's shard of stripe s at byte s * shardSize
 * blobs/&lt;blobId&gt;/lifetime    end epoch, see {@link LifetimeFile}
 * uploads/&lt;uploadId&gt;/shards  an upload in progress
 * </pre>
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>A blob directory appears only by an atomic rename of a directory whose files were all
 *       written and fsynced, so a blob directory is complete. Its metadata never changes; its
 *       lifetime only by whole-file replacement; its shards only by a verified repair write.
 *   <li>Anything named {@code *.tmp} is a half-done step (a lifetime being replaced, a repair
 *       install being staged, a collected blob being deleted) and is deleted at start, as is all
 *       of {@code uploads/}: an upload never committed was never confirmed.
 *   <li>The in-memory index (id to size and end epoch) mirrors {@code blobs/}; it is rebuilt at
 *       start. A blob whose end epoch is not after the current epoch is invisible at once and
 *       deleted by the first {@link #collectGarbage} at least {@link #GC_GRACE_EPOCHS} later.
 *   <li>Every mutation of one blob (commit, lifetime raise, install, repair, deletion) holds that
 *       blob's lock; reads hold none and verify every shard against the metadata before returning
 *       it, so rot or a concurrent deletion shows as a typed error, never as wrong bytes.
 *   <li>Stripe writes of one upload run in parallel (positional writes on one channel, under the
 *       upload's read lock); commit and abort take its write lock. Nothing is fsynced per stripe:
 *       the shard file is fsynced once, at commit, before anything is signed.
 * </ul>
 */
public final class NodeStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStore.class);

  static final String BLOBS = "blobs";
  static final String UPLOADS = "uploads";
  static final String SHARDS = "shards";
  static final String METADATA = "metadata";
  static final String CERTIFICATE = "certificate";
  static final String TMP_SUFFIX = ".tmp";
  /** Bytes an upload may write before its dirty pages are pushed to disk in the background. */
  static final long FLUSH_BEHIND_BYTES = 16L << 20;

  /** Most uploads open at once; each holds an open file. */
  public static final int MAX_UPLOADS = 1024;
  /** Epochs a blob stays on disk after its end epoch (invisible), so a node's clock alone never deletes it. */
  public static final long GC_GRACE_EPOCHS = 1;
  /** Verified metadata files remembered (a header and a path each; verifying rereads the file). */
  static final int METADATA_CACHE_ENTRIES = 4096;
  static final String INCOMING = "incoming";
  /** Uploads whose commit answer is remembered, so a retried commit gets the same answer. */
  static final int MAX_REMEMBERED_COMMITS = 4096;
  /** Metadata header: magic, version, descriptor, length. */
  private static final int LOCK_STRIPES = 64;
  /** Most stripe indexes an error message lists. */
  private static final int LISTED_STRIPES = 8;

  private final NodeConfig config;
  private final Encoding encoding;
  private final int shardIndex;
  private final long maxStripes;
  private final Path blobsDir;
  private final Path uploadsDir;
  private final Path incomingDir;
  private final ConcurrentSkipListMap<BlobId, Held> index = new ConcurrentSkipListMap<>();
  private final AtomicInteger blobCount = new AtomicInteger();
  private final ConcurrentHashMap<String, Upload> uploads = new ConcurrentHashMap<>();
  private final java.util.concurrent.ExecutorService flusher = java.util.concurrent.Executors.newSingleThreadExecutor(
      r -> {
        Thread t = new Thread(r, "cachet-node-flusher");
        t.setDaemon(true);
        return t;
      });
  private final Object uploadCreation = new Object();
  private final Map<String, Remembered> remembered = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
      return size() > MAX_REMEMBERED_COMMITS;
    }
  };
  private final MetadataCache metadataCache = new MetadataCache(METADATA_CACHE_ENTRIES);
  private final Object[] locks = new Object[LOCK_STRIPES];
  private final ThreadLocal<MessageDigest> sha256 = ThreadLocal.withInitial(Hashes::sha256);
  private volatile boolean closed;

  /** A blob in the index: its unencoded size and exclusive end epoch. */
  private record Held(long size, long endEpoch) {}

  /** A stripe an upload received: its length and SHA-256. */
  private record Received(int length, byte[] digest) {}

  private record Remembered(BlobId blobId, long requestedEndEpoch, Committed answer, long atMillis) {}

  /** What a commit did: the fields the node signs, and whether it held the blob already. */
  public record Committed(BlobId blobId, long size, long endEpoch, boolean alreadyStored, long previousEndEpoch) {}

  /** One blob of a listing. */
  public record Listed(BlobId blobId, long size, long endEpoch) {}

  /** A page of the listing; {@code next} is null on the last page. */
  public record Page(List<Listed> blobs, BlobId next) {}

  /** A blob with its end epoch. */
  public record Stored(MetadataFile metadata, long endEpoch) {}

  /** Result of a scrub: the stripes whose shard is missing and those whose shard is corrupt. */
  public record Health(BlobId blobId, long endEpoch, long stripes, List<Long> missing, List<Long> corrupt) {
    public Health {
      missing = List.copyOf(missing);
      corrupt = List.copyOf(corrupt);
    }

    /** Every bad stripe, ascending. */
    public List<Long> bad() {
      List<Long> all = new ArrayList<>(missing);
      all.addAll(corrupt);
      all.sort(null);
      return all;
    }
  }

  /** A verified shard with its Merkle path: a storage challenge's answer. */
  public record ChallengeAnswer(Encoding encoding, long length, long stripe, int shardIndex, byte[] shard, List<byte[]> proof) {}

  /** What one garbage collection removed; {@code paused} when it saw a clock jump and removed nothing. */
  public record Collected(int blobs, int uploads, boolean paused) {}

  private final class Upload {
    final String id;
    final Path dir;
    final FileChannel channel;
    final ConcurrentHashMap<Long, Received> stripes = new ConcurrentHashMap<>();
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    final java.util.concurrent.atomic.AtomicLong unflushed = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicBoolean flushing = new java.util.concurrent.atomic.AtomicBoolean();
    volatile long touchedMillis;
    /** Guarded by the write lock; set once the upload is committed or abandoned. */
    boolean closed;

    Upload(String id, Path dir, FileChannel channel) {
      this.id = id;
      this.dir = dir;
      this.channel = channel;
      this.touchedMillis = now();
    }
  }

  private NodeStore(NodeConfig config) {
    this.config = config;
    this.encoding = config.network().encoding();
    this.shardIndex = config.index();
    this.maxStripes = (BlobMetadata.MAX_BYTES - BlobMetadata.HEADER_BYTES) / ((long) encoding.n() * Hashes.DIGEST_BYTES);
    this.blobsDir = config.dataDir().resolve(BLOBS);
    this.uploadsDir = config.dataDir().resolve(UPLOADS);
    this.incomingDir = config.dataDir().resolve(INCOMING);
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
  }

  /**
   * Opens the store, applying the recovery rules: deletes {@code uploads/} and every {@code *.tmp},
   * then indexes {@code blobs/}. A blob directory whose lifetime or metadata file is missing or
   * damaged is a hard error naming the file.
   */
  public static NodeStore open(NodeConfig config) throws IOException {
    NodeStore store = new NodeStore(config);
    store.recover();
    return store;
  }

  // ---------------------------------------------------------------- recovery

  private void recover() throws IOException {
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
        if (name.endsWith(TMP_SUFFIX)) {
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
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(p, "*" + TMP_SUFFIX)) {
          for (Path s : stale) {
            Files.deleteIfExists(s);
            tmp++;
          }
        }
        if (!Files.exists(p.resolve(LifetimeFile.NAME))) {
          throw new IOException("damaged blob directory " + p + ": no " + LifetimeFile.NAME + " file");
        }
        long endEpoch = LifetimeFile.read(p);
        long size = readMetadataLength(p.resolve(METADATA));
        index.put(id, new Held(size, endEpoch));
        blobCount.incrementAndGet();
      }
    }
    Durability.syncDirectory(blobsDir);
    Durability.syncDirectory(config.dataDir());
    LOG.info("event=store_recovered dir={} blobs={} uploads_removed={} tmp_removed={} ignored={}",
        config.dataDir(), index.size(), removed, tmp, ignored);
  }

  private static long readMetadataLength(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("damaged blob directory " + file.getParent() + ": no " + METADATA + " file");
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

  // ---------------------------------------------------------------- uploads

  /**
   * Writes this node's shard of stripe {@code stripe} of an upload, creating the upload on its
   * first stripe. A stripe sent again replaces the earlier one.
   */
  public void writeStripe(String uploadId, long stripe, byte[] shard, int length) throws NodeException, IOException {
    ensureOpen();
    if (stripe < 0 || stripe >= maxStripes) {
      throw new NodeException(Reason.BAD_STRIPE, "stripe " + stripe + " is past the largest blob ("
          + maxStripes + " stripes)");
    }
    if (length < 1 || length > encoding.shardSize()) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "a shard is 1.." + encoding.shardSize() + " bytes, got "
          + length);
    }
    byte[] digest = digest(shard, length);
    Upload u = upload(uploadId);
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
    } catch (java.util.concurrent.RejectedExecutionException e) {
      u.flushing.set(false);
    }
  }

  private Upload upload(String id) throws NodeException, IOException {
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
      Path dir = uploadsDir.resolve(id);
      Files.createDirectories(dir);
      FileChannel ch = FileChannel.open(dir.resolve(SHARDS), StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      u = new Upload(id, dir, ch);
      uploads.put(id, u);
      LOG.debug("event=upload_opened upload={}", id);
      return u;
    }
  }

  /**
   * Commits an upload as the blob {@code metadata} describes, to be kept until {@code endEpoch}.
   * Checks the encoding, the end epoch and every stripe's length and digest; then fsyncs the shard
   * file, writes metadata and lifetime, fsyncs, renames the upload into place and fsyncs the
   * directories. If the node already holds the blob, it keeps it, raises its end epoch to the
   * larger of the two, answers {@code alreadyStored} with the requested end epoch (so the caller
   * signs exactly what was asked), but only once it holds all of it (see
   * {@link #ensureWhole}). A commit repeated for the same upload, blob and end epoch gets the first
   * answer again. A refused commit leaves the upload open. The caller signs the answer's fields.
   */
  public Committed commit(String uploadId, MetadataFile metadata, long endEpoch) throws NodeException, IOException {
    ensureOpen();
    checkEncoding(metadata);
    long epoch = config.currentEpoch();
    checkEndEpoch(endEpoch, epoch);
    BlobId id = metadata.blobId();
    Remembered earlier;
    synchronized (remembered) {
      earlier = remembered.get(uploadId);
    }
    if (earlier != null && earlier.blobId().equals(id) && earlier.requestedEndEpoch() == endEpoch) {
      Held h = visible(id, epoch);
      if (h != null && h.endEpoch() >= earlier.answer().endEpoch()) {
        return earlier.answer();
      }
    }
    Committed answer;
    synchronized (lock(id)) {
      Held held = visible(id, epoch);
      if (held != null && !Files.isDirectory(blobDir(id))) {
        dropLost(id);
        held = null;
      }
      if (held != null) {
        ensureWhole(id, metadata, uploadId);
        long raised = Math.max(held.endEpoch(), endEpoch);
        if (raised != held.endEpoch()) {
          setLifetime(id, held.size(), raised);
        }
        // Sign what was asked: keeping the blob until the later epoch makes that statement true,
        // and every confirmation of one upload then names the same end epoch.
        answer = new Committed(id, held.size(), endEpoch, true, held.endEpoch());
        LOG.info("event=blob_already_stored blob={} upload={} endEpoch={} previousEndEpoch={}", id, uploadId, raised,
            held.endEpoch());
      } else {
        Upload u = uploads.get(uploadId);
        if (u == null && metadata.stripes() == 0) {
          u = upload(uploadId); // an empty blob has no stripes to send, so its upload starts here
        }
        if (u == null) {
          throw new NodeException(Reason.UPLOAD_NOT_FOUND, "no upload " + uploadId + " in progress");
        }
        u.lock.writeLock().lock();
        try {
          if (u.closed) {
            throw new NodeException(Reason.UPLOAD_NOT_FOUND, "upload " + uploadId + " was committed or abandoned");
          }
          checkComplete(u, metadata);
          u.closed = true;
          try {
            persist(u, metadata, endEpoch);
          } catch (IOException | RuntimeException e) {
            closeQuietly(u.channel);
            Durability.deleteRecursively(u.dir);
            throw e;
          }
        } finally {
          u.lock.writeLock().unlock();
          if (u.closed) {
            uploads.remove(uploadId, u);
          }
        }
        if (index.put(id, new Held(metadata.length(), endEpoch)) == null) {
          blobCount.incrementAndGet();
        }
        metadataCache.put(id, metadata.movedTo(blobDir(id).resolve(METADATA), 0));
        answer = new Committed(id, metadata.length(), endEpoch, false, 0);
        LOG.info("event=blob_committed blob={} upload={} size={} stripes={} endEpoch={}", id, uploadId,
            metadata.length(), metadata.stripes(), endEpoch);
      }
    }
    synchronized (remembered) {
      remembered.put(uploadId, new Remembered(id, endEpoch, answer, now()));
    }
    return answer;
  }

  private void checkComplete(Upload u, MetadataFile metadata) throws NodeException, IOException {
    NodeException problem = completeOrNull(u, metadata);
    if (problem != null) {
      throw problem;
    }
  }

  /** Null if the upload holds exactly this node's shards of the blob, else what is wrong. */
  private NodeException completeOrNull(Upload u, MetadataFile metadata) throws IOException {
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

  /**
   * Before a node confirms a blob it already holds, it makes sure it holds all of it. A complete
   * and correct upload of the blob replaces the node's shard file (the bytes are the same ones,
   * verified; this heals any shard the node had lost or never had since a repair install). Without
   * one, the node's own shards must pass a scrub, else INCOMPLETE_UPLOAD: the client sends the
   * stripes and commits again. Any other upload under this id is dropped. Caller holds the blob lock.
   */
  private void ensureWhole(BlobId id, MetadataFile metadata, String uploadId) throws NodeException, IOException {
    Upload u = uploads.get(uploadId);
    if (u != null) {
      boolean adopted = false;
      u.lock.writeLock().lock();
      try {
        if (!u.closed && completeOrNull(u, metadata) == null) {
          u.closed = true;
          try {
            u.channel.truncate(shardFileLength(metadata));
            u.channel.force(true);
            u.channel.close();
            Files.move(u.dir.resolve(SHARDS), blobDir(id).resolve(SHARDS), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
            Durability.syncDirectory(blobDir(id));
          } finally {
            closeQuietly(u.channel);
            Durability.deleteRecursively(u.dir);
          }
          adopted = true;
        }
      } finally {
        u.lock.writeLock().unlock();
        if (u.closed) {
          uploads.remove(uploadId, u);
        }
      }
      if (adopted) {
        return;
      }
    }
    Health h = scrubHeld(id, metadata, 0);
    if (!h.bad().isEmpty()) {
      throw new NodeException(Reason.INCOMPLETE_UPLOAD, "this node holds blob " + id + " but not its shards of "
          + h.bad().size() + " stripe(s): " + listed(h.bad().subList(0, Math.min(LISTED_STRIPES, h.bad().size())),
          h.bad().size()) + "; send them with the commit");
    }
    abort(uploadId);
  }

  private static String listed(List<Long> some, int count) {
    return some + (count > some.size() ? " and " + (count - some.size()) + " more" : "");
  }

  /** The commit's disk sequence; the caller holds the blob lock and the upload's write lock. */
  private void persist(Upload u, MetadataFile metadata, long endEpoch) throws IOException {
    BlobId id = metadata.blobId();
    u.channel.truncate(shardFileLength(metadata));
    u.channel.force(true);
    u.channel.close();
    placeMetadata(metadata, u.dir.resolve(METADATA));
    LifetimeFile.create(u.dir, endEpoch);
    Durability.syncDirectory(u.dir);
    Path target = blobDir(id);
    if (Files.exists(target)) {
      // An expired copy not yet collected: it is invisible already, so it can go first.
      removeFromIndex(id);
      deleteBlobDir(id);
    }
    Files.move(u.dir, target, StandardCopyOption.ATOMIC_MOVE);
    Durability.syncDirectory(blobsDir);
    Durability.syncDirectory(uploadsDir);
  }

  private long shardFileLength(MetadataFile m) {
    long stripes = m.stripes();
    return stripes == 0 ? 0 : (stripes - 1) * encoding.shardSize() + encoding.shardLength(m.length(), stripes - 1);
  }

  /** Abandons an upload; an unknown one is fine (abandoning is idempotent). */
  public void abort(String uploadId) throws IOException {
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

  // ---------------------------------------------------------------- reads

  /** The blob's metadata and end epoch; BLOB_NOT_FOUND if it is not held or expired. */
  public Stored stored(BlobId id) throws NodeException, IOException {
    Held h = visibleOrThrow(id);
    return new Stored(metadata(id), h.endEpoch());
  }

  /** This node's shard of stripe {@code stripe}, read from disk and verified against the metadata. */
  public byte[] readShard(BlobId id, long stripe) throws NodeException, IOException {
    visibleOrThrow(id);
    MetadataFile m = metadata(id);
    checkStripe(m, stripe);
    byte[] buf = new byte[m.shardLength(stripe)];
    try (FileChannel ch = FileChannel.open(blobDir(id).resolve(SHARDS), StandardOpenOption.READ)) {
      Durability.readFully(ch, ByteBuffer.wrap(buf), stripe * encoding.shardSize());
    } catch (NoSuchFileException e) {
      visibleOrThrow(id);
      throwIfLost(id);
      throw new NodeException(Reason.SHARD_MISSING, "blob " + id + " has no shard file on this node");
    }
    verify(id, m.digest(stripe, shardIndex), stripe, buf, buf.length);
    return buf;
  }

  /** The blobs held and not expired, in id order, after {@code after} (null: from the start). */
  public Page list(BlobId after, int limit) {
    long epoch = config.currentEpoch();
    NavigableMap<BlobId, Held> from = after == null ? index : index.tailMap(after, false);
    List<Listed> out = new ArrayList<>(Math.min(limit, 1024));
    BlobId next = null;
    for (Map.Entry<BlobId, Held> e : from.entrySet()) {
      if (e.getValue().endEpoch() <= epoch) {
        continue;
      }
      if (out.size() == limit) {
        next = out.get(out.size() - 1).blobId();
        break;
      }
      out.add(new Listed(e.getKey(), e.getValue().size(), e.getValue().endEpoch()));
    }
    return new Page(out, next);
  }

  /** Scrub: reads and verifies every shard of a blob. */
  public Health scrub(BlobId id) throws NodeException, IOException {
    Held h = visibleOrThrow(id);
    return scrubHeld(id, metadata(id), h.endEpoch());
  }

  private Health scrubHeld(BlobId id, MetadataFile m, long endEpoch) throws NodeException, IOException {
    List<Long> missing = new ArrayList<>();
    List<Long> corrupt = new ArrayList<>();
    long stripes = m.stripes();
    FileChannel ch;
    try {
      ch = FileChannel.open(blobDir(id).resolve(SHARDS), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      visibleOrThrow(id);
      throwIfLost(id);
      for (long s = 0; s < stripes; s++) {
        missing.add(s);
      }
      return new Health(id, endEpoch, stripes, missing, corrupt);
    }
    try (ch; MetadataFile.Digests digests = m.digests()) {
      byte[] buf = new byte[encoding.shardSize()];
      for (long s = 0; s < stripes; s++) {
        int len = m.shardLength(s);
        Arrays.fill(buf, 0, len, (byte) 0);
        Durability.readFully(ch, ByteBuffer.wrap(buf, 0, len), s * encoding.shardSize());
        try {
          verify(id, digests.of(s, shardIndex), s, buf, len);
        } catch (NodeException e) {
          (e.reason() == Reason.SHARD_MISSING ? missing : corrupt).add(s);
        }
      }
    }
    if (!missing.isEmpty() || !corrupt.isEmpty()) {
      LOG.warn("event=scrub_found_damage blob={} stripes={} missing={} corrupt={}", id, stripes, missing.size(),
          corrupt.size());
    }
    return new Health(id, endEpoch, stripes, missing, corrupt);
  }

  /** A storage challenge: the verified shard of stripe {@code stripe} and its Merkle path. */
  public ChallengeAnswer challenge(BlobId id, long stripe) throws NodeException, IOException {
    byte[] shard = readShard(id, stripe);
    MetadataFile m = metadata(id);
    return new ChallengeAnswer(m.encoding(), m.length(), stripe, shardIndex, shard, m.proof(stripe, shardIndex));
  }

  /** Where request bodies are streamed before they are verified; emptied at every start. */
  Path incomingDir() {
    return incomingDir;
  }

  /** Blobs in the index (expired ones until they are collected). */
  public int blobCount() {
    return blobCount.get();
  }

  /** Uploads open now. */
  public int uploadCount() {
    return uploads.size();
  }

  // ---------------------------------------------------------------- repair

  /**
   * Installs a blob this node missed, every shard missing, from its metadata and an availability
   * certificate 2f + 1 configured nodes signed; the end epoch is the certificate's. If the node
   * holds the blob already, its end epoch is raised to the certificate's if lower and its metadata
   * file restored if it rotted; returns whether anything was installed or restored.
   */
  public boolean install(BlobId id, MetadataFile metadata, AvailabilityCertificate certificate)
      throws NodeException, IOException {
    ensureOpen();
    if (!metadata.blobId().equals(id)) {
      throw new NodeException(Reason.BAD_METADATA, "the metadata is for blob " + metadata.blobId() + ", not " + id);
    }
    checkEncoding(metadata);
    if (!certificate.blobId().equals(id) || certificate.size() != metadata.length()) {
      throw new NodeException(Reason.BAD_CERTIFICATE, "the certificate is for blob " + certificate.blobId() + " of "
          + certificate.size() + " bytes, not " + id + " of " + metadata.length());
    }
    try {
      certificate.verify(config.network());
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.BAD_CERTIFICATE, e.getMessage());
    }
    long epoch = config.currentEpoch();
    checkEndEpoch(certificate.endEpoch(), epoch);
    synchronized (lock(id)) {
      Held held = visible(id, epoch);
      if (held != null && !Files.isDirectory(blobDir(id))) {
        dropLost(id);
        held = null;
      }
      if (held != null) {
        if (certificate.endEpoch() > held.endEpoch()) {
          setLifetime(id, held.size(), certificate.endEpoch());
        }
        return replaceMetadataIfCorrupt(id, metadata);
      }
      Path staging = blobsDir.resolve(id + ".install" + TMP_SUFFIX);
      Durability.deleteRecursively(staging);
      Files.createDirectories(staging);
      placeMetadata(metadata, staging.resolve(METADATA));
      LifetimeFile.create(staging, certificate.endEpoch());
      Durability.writeNew(staging.resolve(SHARDS), new byte[0]);
      Durability.writeNew(staging.resolve(CERTIFICATE), certificate.toJson().toBuffer().getBytes());
      Durability.syncDirectory(staging);
      if (Files.exists(blobDir(id))) {
        removeFromIndex(id);
        deleteBlobDir(id);
      }
      Files.move(staging, blobDir(id), StandardCopyOption.ATOMIC_MOVE);
      Durability.syncDirectory(blobsDir);
      if (index.put(id, new Held(metadata.length(), certificate.endEpoch())) == null) {
        blobCount.incrementAndGet();
      }
      metadataCache.put(id, metadata.movedTo(blobDir(id).resolve(METADATA), 0));
    }
    LOG.info("event=blob_installed blob={} size={} endEpoch={} signers={}", id, metadata.length(),
        certificate.endEpoch(), certificate.confirmations().size());
    return true;
  }

  /**
   * A held blob whose own metadata file no longer parses or hashes to its id (rot past the header;
   * a bad header stops the node at start) is given the verified metadata again, written beside it
   * and renamed over it. Without this the node answered METADATA_CORRUPT for every read, scrub and
   * challenge of the blob for good, and repair could not help. Its shards are kept: the next scrub
   * checks them against the restored metadata. True if the file was replaced. Caller holds the lock.
   */
  private boolean replaceMetadataIfCorrupt(BlobId id, MetadataFile metadata) throws NodeException, IOException {
    try {
      metadata(id);
      return false;
    } catch (NodeException e) {
      if (e.reason() != Reason.METADATA_CORRUPT) {
        throw e;
      }
    }
    Path dir = blobDir(id);
    placeMetadata(metadata, dir.resolve(METADATA));
    metadataCache.put(id, metadata.movedTo(dir.resolve(METADATA), 0));
    LOG.warn("event=metadata_restored blob={}", id);
    return true;
  }

  /**
   * Keeps an availability certificate beside a blob this node holds, so that repair can later
   * install the blob on a node that missed it. The certificate must verify against the network
   * and name this blob and its size; of two, the one with the later end epoch is kept. The
   * certified end epoch rules the lifetime: a node that keeps the blob for less (it lost the blob
   * and was given it again for a shorter time) raises its end epoch to the certificate's.
   */
  public void storeCertificate(BlobId id, AvailabilityCertificate certificate) throws NodeException, IOException {
    ensureOpen();
    if (!certificate.blobId().equals(id)) {
      throw new NodeException(Reason.BAD_CERTIFICATE, "the certificate is for blob " + certificate.blobId());
    }
    try {
      certificate.verify(config.network());
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.BAD_CERTIFICATE, e.getMessage());
    }
    synchronized (lock(id)) {
      Held held = visibleOrThrow(id);
      if (certificate.size() != held.size()) {
        throw new NodeException(Reason.BAD_CERTIFICATE, "the certificate is for " + certificate.size()
            + " bytes; the blob has " + held.size());
      }
      if (certificate.endEpoch() > held.endEpoch()) {
        setLifetime(id, held.size(), certificate.endEpoch());
        LOG.info("event=lifetime_raised_by_certificate blob={} endEpoch={} previousEndEpoch={}", id,
            certificate.endEpoch(), held.endEpoch());
      }
      AvailabilityCertificate existing = readCertificate(id);
      if (existing != null && existing.endEpoch() >= certificate.endEpoch()) {
        return;
      }
      Path dir = blobDir(id);
      Path tmp = dir.resolve(CERTIFICATE + TMP_SUFFIX);
      Files.deleteIfExists(tmp);
      Durability.writeNew(tmp, certificate.toJson().toBuffer().getBytes());
      Files.move(tmp, dir.resolve(CERTIFICATE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Durability.syncDirectory(dir);
    }
  }

  /** The certificate kept for a blob this node holds. */
  public AvailabilityCertificate certificate(BlobId id) throws NodeException, IOException {
    ensureOpen();
    visibleOrThrow(id);
    AvailabilityCertificate c = readCertificate(id);
    if (c == null) {
      throw new NodeException(Reason.BLOB_NOT_FOUND, "no certificate kept for blob " + id);
    }
    return c;
  }

  private AvailabilityCertificate readCertificate(BlobId id) throws IOException {
    Path file = blobDir(id).resolve(CERTIFICATE);
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return AvailabilityCertificate.fromJson(new io.vertx.core.json.JsonObject(
          io.vertx.core.buffer.Buffer.buffer(Files.readAllBytes(file))));
    } catch (RuntimeException e) {
      LOG.warn("event=certificate_unreadable blob={} error={}", id, e.getMessage());
      return null;
    }
  }

  /** Repair write of one shard: verified against the metadata, then written and fsynced. */
  public void repairShard(BlobId id, long stripe, byte[] shard, int length) throws NodeException, IOException {
    ensureOpen();
    visibleOrThrow(id);
    MetadataFile m = metadata(id);
    checkStripe(m, stripe);
    if (length != m.shardLength(stripe) || !Hashes.equal(digest(shard, length), m.digest(stripe, shardIndex))) {
      throw new NodeException(Reason.DIGEST_MISMATCH, "these " + length + " bytes are not shard " + shardIndex
          + " of stripe " + stripe + " of blob " + id);
    }
    synchronized (lock(id)) {
      visibleOrThrow(id);
      try (FileChannel ch = FileChannel.open(blobDir(id).resolve(SHARDS), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE)) {
        Durability.writeFully(ch, ByteBuffer.wrap(shard, 0, length), stripe * encoding.shardSize());
        ch.force(true);
      } catch (NoSuchFileException e) {
        throwIfLost(id);
        throw e;
      }
    }
    LOG.info("event=shard_repaired blob={} stripe={}", id, stripe);
  }

  // ---------------------------------------------------------------- garbage collection

  /**
   * Deletes blobs whose end epoch lies at least {@link #GC_GRACE_EPOCHS} epochs before the epoch of
   * {@code atMillis}, and uploads idle longer than the upload TTL at {@code atMillis}. The caller
   * passes the collection time ({@link CollectionClock}), not the raw clock, so a clock jump does
   * not delete blobs that are live.
   */
  public Collected collectGarbage(long atMillis) throws IOException {
    long epoch = config.network().epochs().epochAt(atMillis);
    int blobs = 0;
    for (Map.Entry<BlobId, Held> e : index.entrySet()) {
      if (collectible(e.getValue(), epoch)) {
        BlobId id = e.getKey();
        synchronized (lock(id)) {
          Held h = index.get(id);
          if (h == null || !collectible(h, epoch)) {
            continue;
          }
          removeFromIndex(id);
          deleteBlobDir(id);
          blobs++;
          LOG.info("event=blob_expired_deleted blob={} endEpoch={} epoch={}", id, h.endEpoch(), epoch);
        }
      }
    }
    long now = atMillis;
    int stale = 0;
    for (Upload u : uploads.values()) {
      if (now - u.touchedMillis > config.uploadTtlMillis()) {
        abort(u.id);
        stale++;
        LOG.info("event=upload_expired upload={} idleMillis={}", u.id, now - u.touchedMillis);
      }
    }
    synchronized (remembered) {
      remembered.values().removeIf(r -> now - r.atMillis() > config.uploadTtlMillis());
    }
    return new Collected(blobs, stale, false);
  }

  private static boolean collectible(Held h, long epoch) {
    return h.endEpoch() + GC_GRACE_EPOCHS <= epoch;
  }

  /** Closes every open upload file; the uploads themselves are dropped at the next start. */
  @Override
  public void close() {
    closed = true;
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

  // ---------------------------------------------------------------- helpers

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the node store is closed");
    }
  }

  private long now() {
    return config.nowMillis().getAsLong();
  }

  private Path blobDir(BlobId id) {
    return blobsDir.resolve(id.toString());
  }

  private Object lock(BlobId id) {
    return locks[Math.floorMod(id.hashCode(), LOCK_STRIPES)];
  }

  private Held visible(BlobId id, long epoch) {
    Held h = index.get(id);
    return h != null && h.endEpoch() > epoch ? h : null;
  }

  private Held visibleOrThrow(BlobId id) throws NodeException {
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
  private void throwIfLost(BlobId id) throws NodeException {
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
  private void dropLost(BlobId id) {
    if (index.containsKey(id)) {
      removeFromIndex(id);
      LOG.error("event=blob_directory_lost blob={} dir={}", id, blobDir(id));
    }
  }

  private void removeFromIndex(BlobId id) {
    if (index.remove(id) != null) {
      blobCount.decrementAndGet();
    }
    metadataCache.remove(id);
  }

  /** Renames the blob directory to a {@code .tmp} name (atomic), then deletes it. */
  private void deleteBlobDir(BlobId id) throws IOException {
    Path dir = blobDir(id);
    if (!Files.exists(dir)) {
      return;
    }
    Path trash = blobsDir.resolve(id + ".gc" + TMP_SUFFIX);
    Durability.deleteRecursively(trash);
    Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
    Durability.deleteRecursively(trash);
  }

  private void setLifetime(BlobId id, long size, long endEpoch) throws IOException {
    LifetimeFile.replace(blobDir(id), endEpoch);
    index.put(id, new Held(size, endEpoch));
  }

  private void checkEncoding(MetadataFile m) throws NodeException {
    if (!m.encoding().equals(encoding)) {
      throw new NodeException(Reason.WRONG_ENCODING, "the network encodes " + encoding + ", the metadata says "
          + m.encoding());
    }
  }

  private void checkEndEpoch(long endEpoch, long epoch) throws NodeException {
    long max = epoch + config.network().epochs().maxEpochsAhead();
    if (endEpoch <= epoch || endEpoch > max) {
      throw new NodeException(Reason.BAD_EPOCH, "end epoch " + endEpoch + " is outside " + (epoch + 1) + ".." + max
          + " (current epoch " + epoch + ")");
    }
  }

  private static void checkStripe(MetadataFile m, long stripe) throws NodeException {
    if (stripe < 0 || stripe >= m.stripes()) {
      throw new NodeException(Reason.BAD_STRIPE, "blob " + m.blobId() + " has " + m.stripes() + " stripes, no stripe "
          + stripe);
    }
  }

  /**
   * Checks shard bytes read from disk. A mismatch over bytes that are all zero is a hole (a shard
   * never written since a repair install, or a truncated file): SHARD_MISSING. Any other mismatch
   * is SHARD_CORRUPT.
   */
  private void verify(BlobId id, byte[] expected, long stripe, byte[] buf, int len) throws NodeException {
    if (Hashes.equal(digest(buf, len), expected)) {
      return;
    }
    for (int i = 0; i < len; i++) {
      if (buf[i] != 0) {
        LOG.warn("event=shard_corrupt blob={} stripe={} shard={}", id, stripe, shardIndex);
        throw new NodeException(Reason.SHARD_CORRUPT, "shard " + shardIndex + " of stripe " + stripe + " of blob "
            + id + " fails its digest on this node");
      }
    }
    throw new NodeException(Reason.SHARD_MISSING, "shard " + shardIndex + " of stripe " + stripe + " of blob " + id
        + " is not on this node");
  }

  /**
   * The blob's verified metadata file. The first use after a start rereads and verifies the whole
   * file (O(log n) memory); a file that no longer hashes to the blob id is METADATA_CORRUPT.
   */
  private MetadataFile metadata(BlobId id) throws NodeException, IOException {
    MetadataFile m = metadataCache.get(id);
    if (m != null) {
      return m;
    }
    try {
      m = MetadataFile.verify(blobDir(id).resolve(METADATA), 0);
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
  private static void placeMetadata(MetadataFile m, Path target) throws IOException {
    Path source = m.file();
    if (m.offset() != 0) {
      source = target.resolveSibling(target.getFileName() + TMP_SUFFIX);
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

  private byte[] digest(byte[] bytes, int length) {
    MessageDigest md = sha256.get();
    md.reset();
    md.update(bytes, 0, length);
    return md.digest();
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.warn("event=close_failed error={}", e.toString());
    }
  }

  /** Verified metadata files by blob id, least recently used first out. */
  private static final class MetadataCache {
    private final LinkedHashMap<BlobId, MetadataFile> map;

    MetadataCache(int maxEntries) {
      map = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<BlobId, MetadataFile> eldest) {
          return size() > maxEntries;
        }
      };
    }

    synchronized MetadataFile get(BlobId id) {
      return map.get(id);
    }

    synchronized void put(BlobId id, MetadataFile m) {
      map.put(id, m);
    }

    synchronized void remove(BlobId id) {
      map.remove(id);
    }
  }
}
