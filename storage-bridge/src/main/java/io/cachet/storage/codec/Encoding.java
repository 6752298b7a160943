package io.cachet.storage.codec;

import java.nio.ByteBuffer;

/**
 * How a blob is cut and coded: systematic Reed-Solomon over GF(2^8) with {@code n} shards of
 * which any {@code k} rebuild a stripe, and stripes of {@code k * shardSize} bytes. Every stripe
 * but the last is full; the last one's shards are {@code ceil(rest / k)} bytes, its data zero-padded.
 * A node with index {@code i} stores shard {@code i} of every stripe, stripe {@code s} at byte
 * {@code s * shardSize} of its shard file.
 *
 * <p>The 9-byte {@link #descriptor()} (type, n, k, shard size) goes into the blob id, so a blob's
 * id fixes how it was cut.
 */
public record Encoding(int n, int k, int shardSize) {
  /** Type byte of this encoding: systematic RS over GF(2^8), striped. */
  public static final int TYPE_RS_GF256 = 1;
  public static final int DESCRIPTOR_BYTES = 9;
  public static final int MAX_SHARDS = 255;
  public static final int MAX_SHARD_SIZE = 64 << 20;

  public Encoding {
    if (k < 1 || n < k || n > MAX_SHARDS) {
      throw new IllegalArgumentException("need 1 <= k <= n <= " + MAX_SHARDS + ", got n=" + n + " k=" + k);
    }
    if (shardSize < 1 || shardSize > MAX_SHARD_SIZE) {
      throw new IllegalArgumentException("shard size must be 1.." + MAX_SHARD_SIZE + ", got " + shardSize);
    }
  }

  /** The usual shape for n nodes: f = floor((n - 1) / 3) faults tolerated, k = f + 1. */
  public static Encoding forNodes(int n, int shardSize) {
    return new Encoding(n, (n - 1) / 3 + 1, shardSize);
  }

  public long stripeDataSize() {
    return (long) k * shardSize;
  }

  public long stripes(long length) {
    if (length < 0) {
      throw new IllegalArgumentException("negative length");
    }
    return (length + stripeDataSize() - 1) / stripeDataSize();
  }

  /** Unencoded bytes stripe {@code stripe} carries. */
  public int stripeDataLength(long length, long stripe) {
    long start = stripe * stripeDataSize();
    if (stripe < 0 || start >= length) {
      throw new IndexOutOfBoundsException("stripe " + stripe + " of a " + length + "-byte blob");
    }
    return (int) Math.min(stripeDataSize(), length - start);
  }

  /** Bytes of each shard of stripe {@code stripe}. */
  public int shardLength(long length, long stripe) {
    int data = stripeDataLength(length, stripe);
    return (data + k - 1) / k;
  }

  /** Bytes all n nodes together store for a blob of this length (shards only). */
  public long encodedLength(long length) {
    long stripes = stripes(length);
    if (stripes == 0) {
      return 0;
    }
    return ((stripes - 1) * shardSize + shardLength(length, stripes - 1)) * (long) n;
  }

  public byte[] descriptor() {
    return ByteBuffer.allocate(DESCRIPTOR_BYTES)
        .put((byte) TYPE_RS_GF256)
        .putShort((short) n)
        .putShort((short) k)
        .putInt(shardSize)
        .array();
  }

  public static Encoding fromDescriptor(byte[] d) {
    if (d.length != DESCRIPTOR_BYTES) {
      throw new IllegalArgumentException("an encoding descriptor is " + DESCRIPTOR_BYTES + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(d);
    int type = b.get() & 0xFF;
    if (type != TYPE_RS_GF256) {
      throw new IllegalArgumentException("unknown encoding type " + type);
    }
    return new Encoding(b.getShort() & 0xFFFF, b.getShort() & 0xFFFF, b.getInt());
  }

  /** Cachet's name for this encoding, as the publisher answers it in {@code blobObject.cachetEncoding}. */
  public String typeName() {
    return "RS-GF256";
  }
}
