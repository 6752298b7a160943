package io.cachet.storage.node;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.node.BlobIndex.Held;
import io.cachet.storage.node.NodeException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a storage node keeps on disk, behind one API: it commits uploads ({@link Uploads})
 * into blobs ({@link BlobIndex}), reads, scrubs and proves shards, hands repair to
 * {@link BlobRepairs} and collects expired blobs; {@link StoreRecovery} applies the recovery rules
 * at start. Blocking and thread-safe; the HTTP layer calls it from worker threads only.
 *
 * <p>Layout under the data directory ({@code docs/STORAGE.md}):
 *
 * <pre>
 * blobs/&lt;blobId&gt;/metadata    metadata bytes
 * blobs/&lt;blobId&gt;/shards      this node's shard of stripe s at byte s * shardSize
 * blobs/&lt;blobId&gt;/lifetime    end epoch, see {@link LifetimeFile}
 * uploads/&lt;uploadId&gt;/shards  an upload in progress
 * incoming/&lt;random&gt;.tmp         a metadata request body being streamed in (0600, in a 0700 directory)
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
 *       of {@code uploads/} (an upload never committed was never confirmed) and of
 *       {@code incoming/} (a body never acted on).
 *   <li>Metadata is never held whole in memory: a blob's is verified once from its file (O(log n)
 *       memory) and then read from disk digest by digest ({@link MetadataFile}).
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
  /** Where metadata request bodies are streamed before they are verified. */
  static final String INCOMING = "incoming";
  /** Most uploads open at once; each holds an open file. */
  public static final int MAX_UPLOADS = Uploads.MAX_UPLOADS;
  /** Epochs a blob stays on disk after its end epoch (invisible), so a node's clock alone never deletes it. */
  public static final long GC_GRACE_EPOCHS = 1;
  /** Uploads whose commit answer is remembered, so a retried commit gets the same answer. */
  static final int MAX_REMEMBERED_COMMITS = 4096;

  private final NodeConfig config;
  private final Encoding encoding;
  private final int shardIndex;
  private final long maxStripes;
  private final Path blobsDir;
  private final Path uploadsDir;
  private final Path incomingDir;
  private final BlobIndex blobs;
  private final BlobRepairs repairs;
  private final Uploads uploads;
  private final Map<String, Remembered> remembered = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
      return size() > MAX_REMEMBERED_COMMITS;
    }
  };
  private final ThreadLocal<MessageDigest> sha256 = ThreadLocal.withInitial(Hashes::sha256);
  private volatile boolean closed;


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

  private NodeStore(NodeConfig config) {
    this.config = config;
    this.encoding = config.network().encoding();
    this.shardIndex = config.index();
    this.maxStripes = (BlobMetadata.MAX_BYTES - BlobMetadata.HEADER_BYTES) / ((long) encoding.n() * Hashes.DIGEST_BYTES);
    this.blobsDir = config.dataDir().resolve(BLOBS);
    this.uploadsDir = config.dataDir().resolve(UPLOADS);
    this.incomingDir = config.dataDir().resolve(INCOMING);
    this.uploads = new Uploads(uploadsDir, encoding, shardIndex, maxStripes, config.nowMillis());
    this.blobs = new BlobIndex(config, blobsDir);
    this.repairs = new BlobRepairs(config, blobsDir, blobs);
  }

  /**
   * Opens the store, applying the recovery rules: deletes {@code uploads/} and every {@code *.tmp},
   * then indexes {@code blobs/}. A blob directory whose lifetime or metadata file is missing or
   * damaged is a hard error naming the file.
   */
  public static NodeStore open(NodeConfig config) throws IOException {
    NodeStore store = new NodeStore(config);
    StoreRecovery.recover(config, store.blobs::put);
    return store;
  }

  // ---------------------------------------------------------------- uploads

  /**
   * Writes this node's shard of stripe {@code stripe} of an upload, creating the upload on its
   * first stripe. A stripe sent again replaces the earlier one.
   */
  public void writeStripe(String uploadId, long stripe, byte[] shard, int length) throws NodeException, IOException {
    ensureOpen();
    uploads.writeStripe(uploadId, stripe, shard, length);
  }

  /** Abandons an upload; an unknown one is fine (abandoning is idempotent). */
  public void abort(String uploadId) throws IOException {
    uploads.abort(uploadId);
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
  Committed commit(String uploadId, MetadataFile metadata, long endEpoch) throws NodeException, IOException {
    ensureOpen();
    blobs.checkEncoding(metadata);
    long epoch = config.currentEpoch();
    blobs.checkEndEpoch(endEpoch, epoch);
    BlobId id = metadata.blobId();
    Remembered earlier;
    synchronized (remembered) {
      earlier = remembered.get(uploadId);
    }
    if (earlier != null && earlier.blobId().equals(id) && earlier.requestedEndEpoch() == endEpoch) {
      Held h = blobs.visible(id, epoch);
      if (h != null && h.endEpoch() >= earlier.answer().endEpoch()) {
        return earlier.answer();
      }
    }
    Committed answer;
    synchronized (blobs.lock(id)) {
      Held held = blobs.visible(id, epoch);
      if (held != null && !Files.isDirectory(blobs.blobDir(id))) {
        blobs.dropLost(id);
        held = null;
      }
      if (held != null) {
        ensureWhole(id, metadata, uploadId);
        long raised = Math.max(held.endEpoch(), endEpoch);
        if (raised != held.endEpoch()) {
          blobs.setLifetime(id, held.size(), raised);
        }
        // Sign what was asked: keeping the blob until the later epoch makes that statement true,
        // and every confirmation of one upload then names the same end epoch.
        answer = new Committed(id, held.size(), endEpoch, true, held.endEpoch());
        LOG.info("event=blob_already_stored blob={} upload={} endEpoch={} previousEndEpoch={}", id, uploadId, raised,
            held.endEpoch());
      } else {
        Uploads.Upload u = uploads.get(uploadId);
        if (u == null && metadata.stripes() == 0) {
          u = uploads.openOrGet(uploadId); // an empty blob has no stripes to send, so its upload starts here
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
            Uploads.closeQuietly(u.channel);
            Durability.deleteRecursively(u.dir);
            throw e;
          }
        } finally {
          u.lock.writeLock().unlock();
          if (u.closed) {
            uploads.forget(u);
          }
        }
        blobs.add(id, new Held(metadata.length(), endEpoch), metadata);
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

  private void checkComplete(Uploads.Upload u, MetadataFile metadata) throws NodeException, IOException {
    NodeException problem = uploads.completeOrNull(u, metadata);
    if (problem != null) {
      throw problem;
    }
  }

  /**
   * Before a node confirms a blob it already holds, it makes sure it holds all of it. A complete
   * and correct upload of the blob replaces the node's shard file (the bytes are the same ones,
   * verified; this heals any shard the node had lost or never had since a repair install). Without
   * one, the node's own shards must pass a scrub, else INCOMPLETE_UPLOAD: the client sends the
   * stripes and commits again. Any other upload under this id is dropped. Caller holds the blob lock.
   */
  private void ensureWhole(BlobId id, MetadataFile metadata, String uploadId) throws NodeException, IOException {
    Uploads.Upload u = uploads.get(uploadId);
    if (u != null) {
      boolean adopted = false;
      u.lock.writeLock().lock();
      try {
        if (!u.closed && uploads.completeOrNull(u, metadata) == null) {
          u.closed = true;
          try {
            u.channel.truncate(shardFileLength(metadata));
            u.channel.force(true);
            u.channel.close();
            Files.move(u.dir.resolve(SHARDS), blobs.blobDir(id).resolve(SHARDS), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
            Durability.syncDirectory(blobs.blobDir(id));
          } finally {
            Uploads.closeQuietly(u.channel);
            Durability.deleteRecursively(u.dir);
          }
          adopted = true;
        }
      } finally {
        u.lock.writeLock().unlock();
        if (u.closed) {
          uploads.forget(u);
        }
      }
      if (adopted) {
        return;
      }
    }
    Health h = scrubHeld(id, metadata, 0);
    if (!h.bad().isEmpty()) {
      throw new NodeException(Reason.INCOMPLETE_UPLOAD, "this node holds blob " + id + " but not its shards of "
          + h.bad().size() + " stripe(s): " + Uploads.listed(h.bad().subList(0, Math.min(Uploads.LISTED_STRIPES, h.bad().size())),
          h.bad().size()) + "; send them with the commit");
    }
    abort(uploadId);
  }

  /** The commit's disk sequence; the caller holds the blob lock and the upload's write lock. */
  private void persist(Uploads.Upload u, MetadataFile metadata, long endEpoch) throws IOException {
    BlobId id = metadata.blobId();
    u.channel.truncate(shardFileLength(metadata));
    u.channel.force(true);
    u.channel.close();
    BlobIndex.placeMetadata(metadata, u.dir.resolve(METADATA));
    LifetimeFile.create(u.dir, endEpoch);
    Durability.syncDirectory(u.dir);
    Path target = blobs.blobDir(id);
    if (Files.exists(target)) {
      // An expired copy not yet collected: it is invisible already, so it can go first.
      blobs.removeFromIndex(id);
      blobs.deleteBlobDir(id);
    }
    Files.move(u.dir, target, StandardCopyOption.ATOMIC_MOVE);
    Durability.syncDirectory(blobsDir);
    Durability.syncDirectory(uploadsDir);
  }

  private long shardFileLength(MetadataFile m) {
    long stripes = m.stripes();
    return stripes == 0 ? 0 : (stripes - 1) * encoding.shardSize() + encoding.shardLength(m.length(), stripes - 1);
  }

  // ---------------------------------------------------------------- reads

  /** The blob's metadata and end epoch; BLOB_NOT_FOUND if it is not held or expired. */
  public Stored stored(BlobId id) throws NodeException, IOException {
    Held h = blobs.visibleOrThrow(id);
    return new Stored(blobs.metadata(id), h.endEpoch());
  }

  /** This node's shard of stripe {@code stripe}, read from disk and verified against the metadata. */
  public byte[] readShard(BlobId id, long stripe) throws NodeException, IOException {
    blobs.visibleOrThrow(id);
    MetadataFile m = blobs.metadata(id);
    blobs.checkStripe(m, stripe);
    byte[] buf = new byte[m.shardLength(stripe)];
    try (FileChannel ch = FileChannel.open(blobs.blobDir(id).resolve(SHARDS), StandardOpenOption.READ)) {
      Durability.readFully(ch, ByteBuffer.wrap(buf), stripe * encoding.shardSize());
    } catch (NoSuchFileException e) {
      blobs.visibleOrThrow(id);
      blobs.throwIfLost(id);
      throw new NodeException(Reason.SHARD_MISSING, "blob " + id + " has no shard file on this node");
    }
    verify(id, m.digest(stripe, shardIndex), stripe, buf, buf.length);
    return buf;
  }

  /** The blobs held and not expired, in id order, after {@code after} (null: from the start). */
  public Page list(BlobId after, int limit) {
    long epoch = config.currentEpoch();
    NavigableMap<BlobId, Held> from = after == null ? blobs.entries() : blobs.entries().tailMap(after, false);
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
    Held h = blobs.visibleOrThrow(id);
    return scrubHeld(id, blobs.metadata(id), h.endEpoch());
  }

  private Health scrubHeld(BlobId id, MetadataFile m, long endEpoch) throws NodeException, IOException {
    List<Long> missing = new ArrayList<>();
    List<Long> corrupt = new ArrayList<>();
    long stripes = m.stripes();
    FileChannel ch;
    try {
      ch = FileChannel.open(blobs.blobDir(id).resolve(SHARDS), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      blobs.visibleOrThrow(id);
      blobs.throwIfLost(id);
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
    MetadataFile m = blobs.metadata(id);
    return new ChallengeAnswer(m.encoding(), m.length(), stripe, shardIndex, shard, m.proof(stripe, shardIndex));
  }

  /** Where request bodies are streamed before they are verified; emptied at every start. */
  Path incomingDir() {
    return incomingDir;
  }

  /** Blobs in the index (expired ones until they are collected). */
  public int blobCount() {
    return blobs.count();
  }

  /**
   * What this node holds, counted from the in-memory index without touching the disk: blobs, this
   * node's shards of them (one per stripe) and those shards' bytes.
   */
  public record Usage(int blobs, long shards, long shardBytes) {}

  /** This node's {@link Usage}: a walk of the index, arithmetic only (O(blobs), no I/O). */
  public Usage usage() {
    long shards = 0;
    long bytes = 0;
    for (Held h : blobs.entries().values()) {
      shards += encoding.stripes(h.size());
      bytes += encoding.encodedLength(h.size()) / encoding.n();
    }
    return new Usage(blobs.count(), shards, bytes);
  }

  /** Uploads open now. */
  public int uploadCount() {
    return uploads.count();
  }

  // ---------------------------------------------------------------- repair ({@link BlobRepairs})

  /**
   * Installs a blob this node missed, every shard missing, from its verified metadata and an
   * availability certificate 2f + 1 configured nodes signed; the end epoch is the certificate's. If
   * the node holds the blob already, its end epoch is raised to the certificate's if lower and its
   * metadata file restored if it rotted; returns whether anything was installed or restored.
   */
  boolean install(BlobId id, MetadataFile metadata, AvailabilityCertificate certificate)
      throws NodeException, IOException {
    ensureOpen();
    return repairs.install(id, metadata, certificate);
  }

  /** Keeps a verified availability certificate beside a blob this node holds (the later of two). */
  public void storeCertificate(BlobId id, AvailabilityCertificate certificate) throws NodeException, IOException {
    ensureOpen();
    repairs.storeCertificate(id, certificate);
  }

  /** The certificate kept for a blob this node holds. */
  public AvailabilityCertificate certificate(BlobId id) throws NodeException, IOException {
    ensureOpen();
    return repairs.certificate(id);
  }

  /** Repair write of one shard: verified against the metadata, then written and fsynced. */
  public void repairShard(BlobId id, long stripe, byte[] shard, int length) throws NodeException, IOException {
    ensureOpen();
    repairs.repairShard(id, stripe, shard, length);
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
    int deleted = 0;
    for (Map.Entry<BlobId, Held> e : blobs.entries().entrySet()) {
      if (collectible(e.getValue(), epoch)) {
        BlobId id = e.getKey();
        synchronized (blobs.lock(id)) {
          Held h = blobs.get(id);
          if (h == null || !collectible(h, epoch)) {
            continue;
          }
          blobs.removeFromIndex(id);
          blobs.deleteBlobDir(id);
          deleted++;
          LOG.info("event=blob_expired_deleted blob={} endEpoch={} epoch={}", id, h.endEpoch(), epoch);
        }
      }
    }
    long now = atMillis;
    int stale = 0;
    for (Uploads.Upload u : uploads.all()) {
      if (now - u.touchedMillis > config.uploadTtlMillis()) {
        abort(u.id);
        stale++;
        LOG.info("event=upload_expired upload={} idleMillis={}", u.id, now - u.touchedMillis);
      }
    }
    synchronized (remembered) {
      remembered.values().removeIf(r -> now - r.atMillis() > config.uploadTtlMillis());
    }
    return new Collected(deleted, stale, false);
  }

  private static boolean collectible(Held h, long epoch) {
    return h.endEpoch() + GC_GRACE_EPOCHS <= epoch;
  }

  /** Closes every open upload file; the uploads themselves are dropped at the next start. */
  @Override
  public void close() {
    closed = true;
    uploads.close();
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

  private byte[] digest(byte[] bytes, int length) {
    MessageDigest md = sha256.get();
    md.reset();
    md.update(bytes, 0, length);
    return md.digest();
  }
}
