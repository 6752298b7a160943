package io.cachet.storage.codec;

import io.cachet.storage.BlobId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * What every node keeps beside its shards and every reader checks shards against: the encoding,
 * the unencoded length and the SHA-256 digest of every shard of every stripe. Immutable.
 *
 * <p>Blob id = BLAKE2b-256(encoding descriptor || unencoded length as u64 little-endian || Merkle
 * root over the shard digests in (stripe, shard) order), the Walrus construction with our
 * descriptor in place of its one type byte. Metadata is therefore self-certifying: whoever holds a
 * blob id checks any metadata offered for it with {@link #blobId()}.
 *
 * <p>Bytes: "CCHM", version 1, the 9-byte descriptor, u64 length (big-endian), then stripes * n
 * digests of 32 bytes. Nothing may follow.
 */
public final class BlobMetadata {
  private static final byte[] MAGIC = {'C', 'C', 'H', 'M'};
  private static final int VERSION = 1;
  /** Bytes before the digests: magic, version, descriptor, length. */
  public static final int HEADER_BYTES = 4 + 1 + Encoding.DESCRIPTOR_BYTES + 8;
  /** Largest metadata this code accepts: enough for terabyte blobs at 1 MiB shards on 7 nodes. */
  public static final int MAX_BYTES = 256 << 20;

  private final Encoding encoding;
  private final long length;
  private final byte[] digests;
  private final BlobId blobId;

  private BlobMetadata(Encoding encoding, long length, byte[] digests) {
    this.encoding = encoding;
    this.length = length;
    this.digests = digests;
    this.blobId = BlobId.of(Hashes.blake2b(encoding.descriptor(), le64(length), MerkleTree.root(digestList())));
  }

  /** Builds metadata from shard digests laid out stripe by stripe, {@code n} per stripe. */
  public static BlobMetadata of(Encoding encoding, long length, byte[] digests) {
    long expected = encoding.stripes(length) * encoding.n() * Hashes.DIGEST_BYTES;
    if (digests.length != expected) {
      throw new IllegalArgumentException("expected " + expected + " digest bytes, got " + digests.length);
    }
    return new BlobMetadata(encoding, length, digests.clone());
  }

  /** Bytes of the metadata of a blob of {@code length} bytes under {@code encoding}. */
  public static long encodedSize(Encoding encoding, long length) {
    return HEADER_BYTES + encoding.stripes(length) * encoding.n() * Hashes.DIGEST_BYTES;
  }

  /** The fixed part of metadata: the encoding and the blob's unencoded length. */
  public record Header(Encoding encoding, long length) {
    /** Digest bytes that must follow this header. */
    public long digestBytes() {
      return encoding.stripes(length) * encoding.n() * Hashes.DIGEST_BYTES;
    }
  }

  /**
   * Parses the {@link #HEADER_BYTES} that open metadata (the buffer's position moves past them).
   * Wrong magic, an unknown version (named), an unknown encoding or a negative length are
   * {@link IllegalArgumentException}s.
   */
  public static Header parseHeader(ByteBuffer b) {
    if (b.remaining() < HEADER_BYTES) {
      throw new IllegalArgumentException("metadata too short: " + b.remaining() + " bytes");
    }
    byte[] magic = new byte[4];
    b.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IllegalArgumentException("not blob metadata (bad magic)");
    }
    int version = b.get() & 0xFF;
    if (version != VERSION) {
      throw new IllegalArgumentException("unsupported metadata version " + version);
    }
    byte[] descriptor = new byte[Encoding.DESCRIPTOR_BYTES];
    b.get(descriptor);
    Encoding encoding = Encoding.fromDescriptor(descriptor);
    long length = b.getLong();
    if (length < 0) {
      throw new IllegalArgumentException("negative blob length");
    }
    return new Header(encoding, length);
  }

  /** The blob id of the blob with this encoding, length and Merkle root over its shard digests. */
  public static BlobId blobId(Encoding encoding, long length, byte[] merkleRoot) {
    return BlobId.of(Hashes.blake2b(encoding.descriptor(), le64(length), merkleRoot));
  }

  public static BlobMetadata parse(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    Header header = parseHeader(b);
    Encoding encoding = header.encoding();
    long length = header.length();
    long expected = encoding.stripes(length) * encoding.n() * Hashes.DIGEST_BYTES;
    if (expected != b.remaining()) {
      throw new IllegalArgumentException("metadata for " + length + " bytes needs " + expected
          + " digest bytes, has " + b.remaining());
    }
    byte[] digests = new byte[b.remaining()];
    b.get(digests);
    return new BlobMetadata(encoding, length, digests);
  }

  public byte[] toBytes() {
    return ByteBuffer.allocate(HEADER_BYTES + digests.length)
        .put(MAGIC).put((byte) VERSION).put(encoding.descriptor()).putLong(length).put(digests)
        .array();
  }

  public BlobId blobId() {
    return blobId;
  }

  public Encoding encoding() {
    return encoding;
  }

  public long length() {
    return length;
  }

  public long stripes() {
    return encoding.stripes(length);
  }

  /** SHA-256 of shard {@code shard} of stripe {@code stripe}. */
  public byte[] digest(long stripe, int shard) {
    if (stripe < 0 || stripe >= stripes() || shard < 0 || shard >= encoding.n()) {
      throw new IndexOutOfBoundsException("stripe " + stripe + " shard " + shard);
    }
    int at = (int) ((stripe * encoding.n() + shard) * Hashes.DIGEST_BYTES);
    return Arrays.copyOfRange(digests, at, at + Hashes.DIGEST_BYTES);
  }

  /** Whether these bytes are shard {@code shard} of stripe {@code stripe}: right length and digest. */
  public boolean matches(long stripe, int shard, byte[] bytes, int offset, int len) {
    return len == encoding.shardLength(length, stripe)
        && Hashes.equal(digest(stripe, shard), Hashes.shardDigest(bytes, offset, len));
  }

  /** Like {@link #matches(long, int, byte[], int, int)}, over a buffer's remaining bytes. */
  public boolean matches(long stripe, int shard, java.nio.ByteBuffer bytes) {
    return bytes.remaining() == encoding.shardLength(length, stripe)
        && Hashes.equal(digest(stripe, shard), Hashes.shardDigest(bytes));
  }

  /** The Merkle leaf index of a shard. */
  public int leafIndex(long stripe, int shard) {
    return (int) (stripe * encoding.n() + shard);
  }

  public List<byte[]> proof(long stripe, int shard) {
    return MerkleTree.proof(digestList(), leafIndex(stripe, shard));
  }

  /**
   * Checks that a shard belongs to the blob {@code id} names, from the blob's encoding and length,
   * the shard, and a Merkle path: what a storage challenge's answer must pass.
   */
  public static boolean provesShard(BlobId id, Encoding encoding, long length, long stripe, int shard,
      byte[] bytes, List<byte[]> path) {
    if (stripe < 0 || stripe >= encoding.stripes(length) || shard < 0 || shard >= encoding.n()
        || bytes.length != encoding.shardLength(length, stripe)
        || path.size() != MerkleTree.proofLength((int) (encoding.stripes(length) * encoding.n()))) {
      return false;
    }
    byte[] root = MerkleTree.rootFromProof(Hashes.shardDigest(bytes, 0, bytes.length),
        (int) (stripe * encoding.n() + shard), path);
    return Hashes.equal(id.bytes(), Hashes.blake2b(encoding.descriptor(), le64(length), root));
  }

  private List<byte[]> digestList() {
    int count = digests.length / Hashes.DIGEST_BYTES;
    return new AbstractList<>() {
      @Override
      public byte[] get(int i) {
        return Arrays.copyOfRange(digests, i * Hashes.DIGEST_BYTES, (i + 1) * Hashes.DIGEST_BYTES);
      }

      @Override
      public int size() {
        return count;
      }
    };
  }

  private static byte[] le64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }
}
