package io.cachet.storage.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.storage.BlobId;
import java.util.Base64;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class BlobMetadataProperties {

  /**
   * Digests are drawn from a seed, not byte by byte: a small shard and a long blob need up to
   * 640 KB of them, which jqwik's array generator takes most of a second to build; the codec sees
   * the same arbitrary bytes either way.
   */
  @Provide
  Arbitrary<BlobMetadata> metadata() {
    return Arbitraries.integers().between(1, 10).flatMap(n -> Arbitraries.integers().between(1, n).flatMap(k ->
        Arbitraries.integers().between(1, 64).flatMap(shard -> Arbitraries.longs().between(0, 2000).flatMap(len -> {
          Encoding e = new Encoding(n, k, shard);
          int digestBytes = (int) (e.stripes(len) * n * Hashes.DIGEST_BYTES);
          return Arbitraries.longs().map(seed -> {
            byte[] d = new byte[digestBytes];
            new SplittableRandom(seed).nextBytes(d);
            return BlobMetadata.of(e, len, d);
          });
        }))));
  }

  @Property(tries = 200)
  void roundTripsThroughBytes(@ForAll("metadata") BlobMetadata m) {
    BlobMetadata back = BlobMetadata.parse(m.toBytes());
    assertThat(back.blobId()).isEqualTo(m.blobId());
    assertThat(back.toBytes()).isEqualTo(m.toBytes());
    assertThat(back.encoding()).isEqualTo(m.encoding());
    assertThat(back.length()).isEqualTo(m.length());
  }

  @Property(tries = 300)
  void anyChangedByteChangesTheIdOrIsRefused(@ForAll("metadata") BlobMetadata m, @ForAll int where,
      @ForAll @IntRange(min = 1, max = 255) int flip) {
    byte[] bytes = m.toBytes();
    int at = Math.floorMod(where, bytes.length);
    bytes[at] ^= (byte) flip;
    try {
      BlobMetadata other = BlobMetadata.parse(bytes);
      assertThat(other.blobId()).isNotEqualTo(m.blobId());
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 300)
  void garbageIsRefusedWithAClearError(@ForAll @Size(max = 200) byte[] garbage) {
    try {
      BlobMetadata.parse(garbage);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 100)
  void truncatedOrExtendedMetadataIsRefused(@ForAll("metadata") BlobMetadata m, @ForAll @IntRange(min = 1, max = 40) int cut) {
    byte[] bytes = m.toBytes();
    if (cut <= bytes.length) {
      assertThatThrownBy(() -> BlobMetadata.parse(java.util.Arrays.copyOf(bytes, bytes.length - cut)))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> BlobMetadata.parse(java.util.Arrays.copyOf(bytes, bytes.length + cut)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 300)
  void blobIdTextRoundTrips(@ForAll @Size(32) byte[] raw) {
    BlobId id = BlobId.of(raw);
    assertThat(id.toString()).hasSize(43).isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
    assertThat(BlobId.parse(id.toString())).isEqualTo(id);
  }

  @Property(tries = 300)
  void arbitraryTextIsNeverABlobIdUnlessCanonical(@ForAll @Size(max = 50) String text) {
    try {
      BlobId id = BlobId.parse(text);
      assertThat(id.toString()).isEqualTo(text);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }
}
