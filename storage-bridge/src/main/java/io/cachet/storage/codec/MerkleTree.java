package io.cachet.storage.codec;

import java.util.ArrayList;
import java.util.List;

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

  private static List<byte[]> up(List<byte[]> level) {
    List<byte[]> next = new ArrayList<>((level.size() + 1) / 2);
    for (int i = 0; i < level.size(); i += 2) {
      byte[] right = i + 1 < level.size() ? level.get(i + 1) : EMPTY;
      next.add(inner(level.get(i), right));
    }
    return next;
  }
}
