package io.cachet.storage.node;

import io.cachet.storage.BlobId;
import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.codec.MerkleTree;
import io.cachet.storage.node.NodeException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;

/**
 * Blob metadata that stays on disk: the header in memory, the digests read from the file when a
 * shard is checked. A node holds one of these per blob it serves, so its memory does not grow
 * with a blob's size. The bytes are those of {@link BlobMetadata}, starting at {@code offset} in
 * the file (a repair install's body carries a certificate before them).
 *
 * <p>Guarantee: an instance exists only for a file whose size matched its header and whose
 * digests hashed to {@link #blobId()} when {@link #verify} read it. A file changed afterwards
 * (rot) shows as shards that fail their digest, never as a different blob.
 */
final class MetadataFile {
  /** Digests read from disk at once while verifying or proving. */
  private static final int READ_DIGESTS = 4096;

  private final Path file;
  private final long offset;
  private final BlobMetadata.Header header;
  private final BlobId blobId;

  private MetadataFile(Path file, long offset, BlobMetadata.Header header, BlobId blobId) {
    this.file = file;
    this.offset = offset;
    this.header = header;
    this.blobId = blobId;
  }

  /**
   * Reads the metadata at {@code offset} to the end of {@code file}, checks its header, its size
   * against the header and the blob id it hashes to, in O(log n) memory. Malformed bytes are
   * {@link NodeException} BAD_METADATA naming what is wrong (never the path).
   */
  static MetadataFile verify(Path file, long offset) throws NodeException, IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size() - offset;
      if (size > BlobMetadata.MAX_BYTES) {
        throw new NodeException(Reason.TOO_LARGE, "metadata is at most " + BlobMetadata.MAX_BYTES + " bytes");
      }
      ByteBuffer head = ByteBuffer.allocate(BlobMetadata.HEADER_BYTES);
      Durability.readFully(ch, head, offset);
      head.flip();
      BlobMetadata.Header header;
      try {
        header = BlobMetadata.parseHeader(head);
      } catch (IllegalArgumentException e) {
        throw new NodeException(Reason.BAD_METADATA, e.getMessage());
      }
      long digestBytes = header.digestBytes();
      if (size - BlobMetadata.HEADER_BYTES != digestBytes) {
        throw new NodeException(Reason.BAD_METADATA, "metadata for " + header.length() + " bytes needs "
            + digestBytes + " digest bytes, has " + (size - BlobMetadata.HEADER_BYTES));
      }
      MerkleTree.Accumulator root = new MerkleTree.Accumulator();
      readDigests(ch, offset, 0, digestBytes / Hashes.DIGEST_BYTES, root::add);
      BlobId id = BlobMetadata.blobId(header.encoding(), header.length(), root.root());
      return new MetadataFile(file, offset, header, id);
    }
  }

  /** The same verified metadata, now under another name (after a rename or a copy of its bytes). */
  MetadataFile movedTo(Path target, long newOffset) {
    return new MetadataFile(target, newOffset, header, blobId);
  }

  Path file() {
    return file;
  }

  long offset() {
    return offset;
  }

  /** Bytes of the metadata itself. */
  long size() {
    return BlobMetadata.HEADER_BYTES + header.digestBytes();
  }

  BlobId blobId() {
    return blobId;
  }

  Encoding encoding() {
    return header.encoding();
  }

  long length() {
    return header.length();
  }

  long stripes() {
    return header.encoding().stripes(header.length());
  }

  /** Length of a shard of stripe {@code stripe}. */
  int shardLength(long stripe) {
    return header.encoding().shardLength(header.length(), stripe);
  }

  /** Opens the file for reading many digests; close it after. */
  Digests digests() throws IOException {
    return new Digests(FileChannel.open(file, StandardOpenOption.READ));
  }

  /** SHA-256 of shard {@code shard} of stripe {@code stripe}, read from the file. */
  byte[] digest(long stripe, int shard) throws IOException {
    try (Digests d = digests()) {
      return d.of(stripe, shard);
    }
  }

  /** The Merkle path of a shard, read from the file in O(log n) memory. */
  List<byte[]> proof(long stripe, int shard) throws IOException {
    long leaves = stripes() * encoding().n();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return MerkleTree.proof((from, to, sink) -> readDigests(ch, offset, from, to, sink), leaves,
          stripe * encoding().n() + shard);
    }
  }

  /** Digests read through one open file. */
  final class Digests implements AutoCloseable {
    private final FileChannel ch;
    private final ByteBuffer one = ByteBuffer.allocate(Hashes.DIGEST_BYTES);

    private Digests(FileChannel ch) {
      this.ch = ch;
    }

    byte[] of(long stripe, int shard) throws IOException {
      if (stripe < 0 || stripe >= stripes() || shard < 0 || shard >= encoding().n()) {
        throw new IndexOutOfBoundsException("stripe " + stripe + " shard " + shard);
      }
      one.clear();
      long at = offset + BlobMetadata.HEADER_BYTES + (stripe * encoding().n() + shard) * Hashes.DIGEST_BYTES;
      if (Durability.readFully(ch, one, at) != Hashes.DIGEST_BYTES) {
        throw new IOException("metadata file of blob " + blobId + " is shorter than its header says");
      }
      return one.array().clone();
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  private static void readDigests(FileChannel ch, long offset, long from, long to, Consumer<byte[]> sink)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(READ_DIGESTS * Hashes.DIGEST_BYTES);
    long at = offset + BlobMetadata.HEADER_BYTES + from * Hashes.DIGEST_BYTES;
    for (long i = from; i < to; ) {
      int count = (int) Math.min(READ_DIGESTS, to - i);
      buf.clear().limit(count * Hashes.DIGEST_BYTES);
      if (Durability.readFully(ch, buf, at) != buf.limit()) {
        throw new IOException("metadata file ends before its digests do");
      }
      for (int j = 0; j < count; j++) {
        byte[] d = new byte[Hashes.DIGEST_BYTES];
        buf.get(j * Hashes.DIGEST_BYTES, d);
        sink.accept(d);
      }
      at += (long) count * Hashes.DIGEST_BYTES;
      i += count;
    }
  }
}
