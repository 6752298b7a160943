package io.cachet.storage.codec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The Merkle tree over a blob's shard digests, shaped as Walrus shapes its own: a leaf is
 * BLAKE2b-256(0x00 || shard digest), an inner node BLAKE2b-256(0x01 || left || right), and a level
 * with an odd count is padded with an all-zero node. The root of no leaves is the all-zero node.
 * The leaf prefix keeps a leaf from ever being read as an inner node.
 */
public final class MerkleTree {
  private static final byte[] LEAF = {0x00};
  private static final byte[] INNER = {0x01};
  static final byte[] EMPTY = new byte[Hashes.DIGEST_BYTES];

  private MerkleTree() {}

  public static byte[] leaf(byte[] shardDigest) {
    return Hashes.blake2b(LEAF, shardDigest);
  }

  static byte[] inner(byte[] left, byte[] right) {
    return Hashes.blake2b(INNER, left, right);
  }

  /** The root over these shard digests, in order. */
  public static byte[] root(List<byte[]> shardDigests) {
    if (shardDigests.isEmpty()) {
      return EMPTY.clone();
    }
    List<byte[]> level = new ArrayList<>(shardDigests.size());
    for (byte[] d : shardDigests) {
      level.add(leaf(d));
    }
    while (level.size() > 1) {
      level = up(level);
    }
    return level.get(0);
  }

  /** The sibling path from leaf {@code index} to the root, bottom first. */
  public static List<byte[]> proof(List<byte[]> shardDigests, int index) {
    if (index < 0 || index >= shardDigests.size()) {
      throw new IndexOutOfBoundsException("leaf " + index + " of " + shardDigests.size());
    }
    List<byte[]> level = new ArrayList<>(shardDigests.size());
    for (byte[] d : shardDigests) {
      level.add(leaf(d));
    }
    List<byte[]> path = new ArrayList<>();
    int i = index;
    while (level.size() > 1) {
      int sibling = i ^ 1;
      path.add(sibling < level.size() ? level.get(sibling) : EMPTY.clone());
      level = up(level);
      i >>= 1;
    }
    return path;
  }

  /** The root a proof leads to from this shard digest at this index; compare it with the expected root. */
  public static byte[] rootFromProof(byte[] shardDigest, int index, List<byte[]> path) {
    byte[] node = leaf(shardDigest);
    int i = index;
    for (byte[] sibling : path) {
      if (sibling.length != Hashes.DIGEST_BYTES) {
        throw new IllegalArgumentException("a proof node is " + Hashes.DIGEST_BYTES + " bytes");
      }
      node = (i & 1) == 0 ? inner(node, sibling) : inner(sibling, node);
      i >>= 1;
    }
    return node;
  }

  /** The number of nodes a proof for a tree of {@code leaves} leaves has. */
  public static int proofLength(int leaves) {
    int depth = 0;
    for (int width = leaves; width > 1; width = (width + 1) / 2) {
      depth++;
    }
    return depth;
  }

  /**
   * The root over digests offered one at a time, in order, holding one node per tree level
   * (O(log n) memory): the same root {@link #root} computes over the whole list. Not thread-safe.
   */
  public static final class Accumulator {
    private final List<byte[]> pending = new ArrayList<>();
    private long count;

    /** Adds the next shard digest. */
    public void add(byte[] shardDigest) {
      byte[] node = leaf(shardDigest);
      int level = 0;
      while (level < pending.size() && pending.get(level) != null) {
        node = inner(pending.get(level), node);
        pending.set(level, null);
        level++;
      }
      if (level == pending.size()) {
        pending.add(node);
      } else {
        pending.set(level, node);
      }
      count++;
    }

    /** Digests added so far. */
    public long count() {
      return count;
    }

    /** The root over the digests added; the all-zero node if none were. */
    public byte[] root() {
      if (count == 0) {
        return EMPTY.clone();
      }
      return finish(0);
    }

    /**
     * The node at height {@code height} over the digests added (at most 2^height of them), as the
     * whole tree holds it for its rightmost subtree: odd levels padded with the all-zero node, and
     * a root lower than {@code height} raised by pairing it with the all-zero node.
     */
    byte[] nodeAt(int height) {
      return finish(height);
    }

    private byte[] finish(int height) {
      byte[] carry = null;
      int level = 0;
      for (; level < pending.size(); level++) {
        byte[] here = pending.get(level);
        if (here != null && carry != null) {
          carry = inner(here, carry);
          continue;
        }
        byte[] only = here != null ? here : carry;
        if (only == null) {
          continue;
        }
        if (!anyAbove(level)) {
          return raise(only, level, height);
        }
        carry = inner(only, EMPTY);
      }
      return raise(carry, level, height);
    }

    private boolean anyAbove(int level) {
      for (int l = level + 1; l < pending.size(); l++) {
        if (pending.get(l) != null) {
          return true;
        }
      }
      return false;
    }

    private static byte[] raise(byte[] node, int level, int height) {
      for (int l = level; l < height; l++) {
        node = inner(node, EMPTY);
      }
      return node;
    }
  }

  /** Reads the shard digests {@code from} (inclusive) to {@code to} (exclusive), in order, into a sink. */
  @FunctionalInterface
  public interface DigestSource {
    void read(long from, long to, Consumer<byte[]> sink) throws IOException;
  }

  /**
   * The sibling path of leaf {@code index} in a tree of {@code leaves} leaves whose digests
   * {@code source} reads: the same path {@link #proof} gives, computed in O(log n) memory by
   * reading each sibling's leaves once (about n digests read in all).
   */
  public static List<byte[]> proof(DigestSource source, long leaves, long index) throws IOException {
    if (index < 0 || index >= leaves) {
      throw new IndexOutOfBoundsException("leaf " + index + " of " + leaves);
    }
    List<byte[]> path = new ArrayList<>();
    long width = leaves;
    for (int height = 0; width > 1; height++, width = (width + 1) / 2) {
      long sibling = (index >> height) ^ 1;
      long from = sibling << height;
      if (from >= leaves) {
        path.add(EMPTY.clone());
        continue;
      }
      long to = Math.min(leaves, from + (1L << height));
      Accumulator a = new Accumulator();
      source.read(from, to, a::add);
      path.add(a.nodeAt(height));
    }
    return path;
  }

  private static List<byte[]> up(List<byte[]> level) {
    List<byte[]> next = new ArrayList<>((level.size() + 1) / 2);
    for (int i = 0; i < level.size(); i += 2) {
      byte[] right = i + 1 < level.size() ? level.get(i + 1) : EMPTY;
      next.add(inner(level.get(i), right));
    }
    return next;
  }
}
