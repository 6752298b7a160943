package io.cachet.storage.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.storage.BlobId;
import io.cachet.storage.erasure.ReedSolomon;
import io.cachet.storage.node.Confirmation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Known answers for the stored layout: if one of these changes, stored blobs change their ids. */
class BlobLayoutTest {
  private static final HexFormat HEX = HexFormat.of();

  /** Encodes {@code data} the way the publisher does and returns its metadata. */
  static BlobMetadata encode(Encoding e, byte[] data) {
    long stripes = e.stripes(data.length);
    byte[] digests = new byte[(int) (stripes * e.n() * Hashes.DIGEST_BYTES)];
    ReedSolomon rs = ReedSolomon.of(e.n(), e.k());
    for (long s = 0; s < stripes; s++) {
      int len = e.shardLength(data.length, s);
      int start = (int) (s * e.stripeDataSize());
      int dataLen = e.stripeDataLength(data.length, s);
      byte[][] shards = new byte[e.n()][len];
      for (int p = 0; p < dataLen; p++) {
        shards[p / len][p % len] = data[start + p];
      }
      rs.encode(shards, 0, len);
      for (int j = 0; j < e.n(); j++) {
        System.arraycopy(Hashes.shardDigest(shards[j], 0, len), 0, digests,
            (int) ((s * e.n() + j) * Hashes.DIGEST_BYTES), Hashes.DIGEST_BYTES);
      }
    }
    return BlobMetadata.of(e, data.length, digests);
  }

  @Test
  void blobIdOfAKnownBlobIsPinned() {
    byte[] data = "Cachet keeps ciphertext on an erasure-coded network.".getBytes(StandardCharsets.UTF_8);
    BlobMetadata m = encode(new Encoding(7, 3, 16), data);
    assertThat(m.stripes()).isEqualTo(2);
    assertThat(m.blobId().toString()).isEqualTo(PINNED_ID);
    assertThat(BlobMetadata.parse(m.toBytes()).blobId()).isEqualTo(m.blobId());
  }

  @Test
  void theEmptyBlobHasNoShardsAndAFixedId() {
    BlobMetadata m = encode(new Encoding(7, 3, 1 << 20), new byte[0]);
    assertThat(m.stripes()).isZero();
    assertThat(m.toBytes()).hasSize(4 + 1 + 9 + 8);
    assertThat(m.blobId().toString()).isEqualTo(PINNED_EMPTY_ID);
  }

  @Test
  void theIdBindsTheEncoding() {
    byte[] data = new byte[100];
    assertThat(encode(new Encoding(7, 3, 64), data).blobId())
        .isNotEqualTo(encode(new Encoding(7, 3, 32), data).blobId())
        .isNotEqualTo(encode(new Encoding(4, 2, 64), data).blobId());
  }

  @Test
  void confirmationBytesArePinned() {
    BlobId id = BlobId.of(new byte[32]);
    byte[] bytes = Confirmation.signedBytes(id, 0x0102030405060708L, 42);
    // u8(30) || "cachet/storage-confirmation/v1" || 32 zero bytes || size u64 BE || endEpoch u64 BE;
    // the ledger's RecordCertificate.confirmationBytes must give the same bytes (pinned there too).
    assertThat(HEX.formatHex(bytes)).isEqualTo("1e" + HEX.formatHex(
        "cachet/storage-confirmation/v1".getBytes(StandardCharsets.US_ASCII)) + "00".repeat(32)
        + "0102030405060708" + "000000000000002a");
  }

  @Test
  void layoutArithmetic() {
    Encoding e = new Encoding(7, 3, 1024);
    assertThat(e.stripeDataSize()).isEqualTo(3072);
    assertThat(e.stripes(0)).isZero();
    assertThat(e.stripes(1)).isEqualTo(1);
    assertThat(e.stripes(3072)).isEqualTo(1);
    assertThat(e.stripes(3073)).isEqualTo(2);
    assertThat(e.shardLength(3073, 1)).isEqualTo(1);
    assertThat(e.shardLength(3074 + 3071, 1)).isEqualTo(1024);
    assertThat(e.encodedLength(3073)).isEqualTo(7L * (1024 + 1));
    assertThatThrownBy(() -> e.shardLength(3072, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> new Encoding(7, 8, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Encoding(256, 3, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Encoding(7, 3, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Encoding.forNodes(7, 1)).isEqualTo(new Encoding(7, 3, 1));
    assertThat(Encoding.forNodes(4, 1).k()).isEqualTo(2);
    assertThat(Encoding.fromDescriptor(e.descriptor())).isEqualTo(e);
  }

  @Test
  void everyShardProvesItselfAndNoOtherDoes() {
    byte[] data = new byte[500];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7);
    }
    Encoding e = new Encoding(7, 3, 40);
    BlobMetadata m = encode(e, data);
    for (long s = 0; s < m.stripes(); s++) {
      for (int j = 0; j < 7; j++) {
        byte[] shard = shardOf(e, data, s, j);
        assertThat(BlobMetadata.provesShard(m.blobId(), e, data.length, s, j, shard, m.proof(s, j))).isTrue();
        assertThat(BlobMetadata.provesShard(m.blobId(), e, data.length, s, (j + 1) % 7, shard, m.proof(s, j)))
            .isFalse();
        byte[] flipped = shard.clone();
        flipped[0] ^= 1;
        assertThat(BlobMetadata.provesShard(m.blobId(), e, data.length, s, j, flipped, m.proof(s, j))).isFalse();
        assertThat(BlobMetadata.provesShard(m.blobId(), e, data.length + 1, s, j, shard, m.proof(s, j))).isFalse();
      }
    }
  }

  @Test
  void merkleProofsForEveryLeafOfEveryTreeSize() {
    for (int size = 1; size <= 33; size++) {
      List<byte[]> leaves = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        leaves.add(Hashes.blake2b(new byte[] {(byte) i, (byte) size}));
      }
      byte[] root = MerkleTree.root(leaves);
      for (int i = 0; i < size; i++) {
        List<byte[]> proof = MerkleTree.proof(leaves, i);
        assertThat(proof).hasSize(MerkleTree.proofLength(size));
        assertThat(MerkleTree.rootFromProof(leaves.get(i), i, proof)).isEqualTo(root);
        if (size > 1) {
          assertThat(MerkleTree.rootFromProof(leaves.get(i), i ^ 1, proof)).isNotEqualTo(root);
        }
      }
    }
    assertThat(MerkleTree.root(List.of())).isEqualTo(new byte[32]);
  }

  @Test
  void blobIdText() {
    BlobId id = BlobId.of(new byte[32]);
    assertThat(id.toString()).hasSize(43).isEqualTo("A".repeat(43));
    assertThat(BlobId.parse(id.toString())).isEqualTo(id);
    assertThatThrownBy(() -> BlobId.parse("A".repeat(42) + "B")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("canonical");
    assertThatThrownBy(() -> BlobId.parse("A".repeat(42) + "=")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BlobId.parse("A".repeat(42) + "+")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BlobId.parse("A".repeat(44))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BlobId.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] shardOf(Encoding e, byte[] data, long s, int j) {
    int len = e.shardLength(data.length, s);
    int start = (int) (s * e.stripeDataSize());
    int dataLen = e.stripeDataLength(data.length, s);
    byte[][] shards = new byte[e.n()][len];
    for (int p = 0; p < dataLen; p++) {
      shards[p / len][p % len] = data[start + p];
    }
    ReedSolomon.of(e.n(), e.k()).encode(shards, 0, len);
    return shards[j];
  }

  // Both ids were also computed by an independent script (Python hashlib: GF(2^8) 0x11D Cauchy
  // parity, SHA-256 shards, BLAKE2b Merkle tree and id), which gave the same text.
  private static final String PINNED_ID = "sh_cZrA4KYa7QstJxYcAUd4nzoG2HcmtypP_f-4xG7U";
  private static final String PINNED_EMPTY_ID = "DmOUQKbJFTk5s0KLRPTyhxI0SjiOtgRhktXBfNRd3HE";
}
