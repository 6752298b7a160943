package io.cachet.storage.node;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.node.BlobIndex.Held;
import io.cachet.storage.node.NodeException.Reason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What repair does on a node: install a blob the node missed (from its metadata and an
 * availability certificate), restore a metadata file that rotted, keep certificates beside the
 * blobs, and write back single verified shards. Every mutation holds the blob's lock
 * ({@link BlobIndex#lock}). Blocking and thread-safe.
 */
final class BlobRepairs {
  private static final Logger LOG = LoggerFactory.getLogger(BlobRepairs.class);

  private final NodeConfig config;
  private final Encoding encoding;
  private final int shardIndex;
  private final Path blobsDir;
  private final BlobIndex blobs;

  BlobRepairs(NodeConfig config, Path blobsDir, BlobIndex blobs) {
    this.config = config;
    this.encoding = config.network().encoding();
    this.shardIndex = config.index();
    this.blobsDir = blobsDir;
    this.blobs = blobs;
  }

  /**
   * Installs a blob this node missed, every shard missing, from its metadata and an availability
   * certificate 2f + 1 configured nodes signed; the end epoch is the certificate's. If the node
   * holds the blob already, its end epoch is raised to the certificate's if lower and its metadata
   * file restored if it rotted; returns whether anything was installed or restored.
   */
  boolean install(BlobId id, MetadataFile metadata, AvailabilityCertificate certificate)
      throws NodeException, IOException {
    if (!metadata.blobId().equals(id)) {
      throw new NodeException(Reason.BAD_METADATA, "the metadata is for blob " + metadata.blobId() + ", not " + id);
    }
    blobs.checkEncoding(metadata);
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
    blobs.checkEndEpoch(certificate.endEpoch(), epoch);
    synchronized (blobs.lock(id)) {
      Held held = blobs.visible(id, epoch);
      if (held != null && !Files.isDirectory(blobs.blobDir(id))) {
        blobs.dropLost(id);
        held = null;
      }
      if (held != null) {
        if (certificate.endEpoch() > held.endEpoch()) {
          blobs.setLifetime(id, held.size(), certificate.endEpoch());
        }
        return replaceMetadataIfCorrupt(id, metadata);
      }
      Path staging = blobsDir.resolve(id + ".install" + NodeStore.TMP_SUFFIX);
      Durability.deleteRecursively(staging);
      Files.createDirectories(staging);
      BlobIndex.placeMetadata(metadata, staging.resolve(NodeStore.METADATA));
      LifetimeFile.create(staging, certificate.endEpoch());
      Durability.writeNew(staging.resolve(NodeStore.SHARDS), new byte[0]);
      Durability.writeNew(staging.resolve(NodeStore.CERTIFICATE), certificate.toJson().toBuffer().getBytes());
      Durability.syncDirectory(staging);
      if (Files.exists(blobs.blobDir(id))) {
        blobs.removeFromIndex(id);
        blobs.deleteBlobDir(id);
      }
      Files.move(staging, blobs.blobDir(id), StandardCopyOption.ATOMIC_MOVE);
      Durability.syncDirectory(blobsDir);
      blobs.add(id, new Held(metadata.length(), certificate.endEpoch()), metadata);
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
      blobs.metadata(id);
      return false;
    } catch (NodeException e) {
      if (e.reason() != Reason.METADATA_CORRUPT) {
        throw e;
      }
    }
    Path dir = blobs.blobDir(id);
    BlobIndex.placeMetadata(metadata, dir.resolve(NodeStore.METADATA));
    blobs.metadataPlaced(id, metadata);
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
  void storeCertificate(BlobId id, AvailabilityCertificate certificate) throws NodeException, IOException {
    if (!certificate.blobId().equals(id)) {
      throw new NodeException(Reason.BAD_CERTIFICATE, "the certificate is for blob " + certificate.blobId());
    }
    try {
      certificate.verify(config.network());
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.BAD_CERTIFICATE, e.getMessage());
    }
    synchronized (blobs.lock(id)) {
      Held held = blobs.visibleOrThrow(id);
      if (certificate.size() != held.size()) {
        throw new NodeException(Reason.BAD_CERTIFICATE, "the certificate is for " + certificate.size()
            + " bytes; the blob has " + held.size());
      }
      if (certificate.endEpoch() > held.endEpoch()) {
        blobs.setLifetime(id, held.size(), certificate.endEpoch());
        LOG.info("event=lifetime_raised_by_certificate blob={} endEpoch={} previousEndEpoch={}", id,
            certificate.endEpoch(), held.endEpoch());
      }
      AvailabilityCertificate existing = readCertificate(id);
      if (existing != null && existing.endEpoch() >= certificate.endEpoch()) {
        return;
      }
      Path dir = blobs.blobDir(id);
      Path tmp = dir.resolve(NodeStore.CERTIFICATE + NodeStore.TMP_SUFFIX);
      Files.deleteIfExists(tmp);
      Durability.writeNew(tmp, certificate.toJson().toBuffer().getBytes());
      Files.move(tmp, dir.resolve(NodeStore.CERTIFICATE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Durability.syncDirectory(dir);
    }
  }

  /** The certificate kept for a blob this node holds. */
  AvailabilityCertificate certificate(BlobId id) throws NodeException, IOException {
    blobs.visibleOrThrow(id);
    AvailabilityCertificate c = readCertificate(id);
    if (c == null) {
      throw new NodeException(Reason.BLOB_NOT_FOUND, "no certificate kept for blob " + id);
    }
    return c;
  }

  private AvailabilityCertificate readCertificate(BlobId id) throws IOException {
    Path file = blobs.blobDir(id).resolve(NodeStore.CERTIFICATE);
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return AvailabilityCertificate.fromJson(new JsonObject(
          Buffer.buffer(Files.readAllBytes(file))));
    } catch (RuntimeException e) {
      LOG.warn("event=certificate_unreadable blob={} error={}", id, e.getMessage());
      return null;
    }
  }

  /** Repair write of one shard: verified against the metadata, then written and fsynced. */
  void repairShard(BlobId id, long stripe, byte[] shard, int length) throws NodeException, IOException {
    blobs.visibleOrThrow(id);
    MetadataFile m = blobs.metadata(id);
    blobs.checkStripe(m, stripe);
    if (length != m.shardLength(stripe) || !Hashes.equal(Hashes.shardDigest(shard, 0, length), m.digest(stripe, shardIndex))) {
      throw new NodeException(Reason.DIGEST_MISMATCH, "these " + length + " bytes are not shard " + shardIndex
          + " of stripe " + stripe + " of blob " + id);
    }
    synchronized (blobs.lock(id)) {
      blobs.visibleOrThrow(id);
      try (FileChannel ch = FileChannel.open(blobs.blobDir(id).resolve(NodeStore.SHARDS), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE)) {
        Durability.writeFully(ch, ByteBuffer.wrap(shard, 0, length), stripe * encoding.shardSize());
        ch.force(true);
      } catch (NoSuchFileException e) {
        blobs.throwIfLost(id);
        throw e;
      }
    }
    LOG.info("event=shard_repaired blob={} stripe={}", id, stripe);
  }
}
