package io.cachet.bench.chaos.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SeededBlobTest {
  private static final SeededBlob BLOB = new SeededBlob(42, 3 * SeededBlob.BLOCK + 123);

  @Test
  void range_sameBytesAsTheWholeStream() throws IOException {
    byte[] all = read(BLOB.stream());
    assertThat(all).hasSize((int) BLOB.size());
    long offset = SeededBlob.BLOCK - 7;
    byte[] part = read(BLOB.range(offset, 2 * SeededBlob.BLOCK));
    assertThat(part).isEqualTo(Arrays.copyOfRange(all, (int) offset, (int) offset + 2 * SeededBlob.BLOCK));
    assertThat(read(new SeededBlob(42, BLOB.size()).stream())).as("the same seed makes the same bytes").isEqualTo(all);
    assertThat(read(new SeededBlob(43, BLOB.size()).stream())).isNotEqualTo(all);
  }

  @Test
  void sha256_isTheDigestOfTheBytes() throws Exception {
    assertThat(BLOB.sha256()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(read(BLOB.stream())));
  }

  @Test
  void firstDifference_flippedShortAndLongStreams_found() throws IOException {
    byte[] all = read(BLOB.stream());
    assertThat(BLOB.firstDifference(new ByteArrayInputStream(all), 0, all.length)).isEqualTo(-1);
    byte[] flipped = all.clone();
    flipped[20_000] ^= 1;
    assertThat(BLOB.firstDifference(new ByteArrayInputStream(flipped), 0, all.length)).isEqualTo(20_000);
    assertThat(BLOB.firstDifference(new ByteArrayInputStream(Arrays.copyOf(all, 100)), 0, all.length)).isEqualTo(100);
    byte[] longer = Arrays.copyOf(all, all.length + 1);
    assertThat(BLOB.firstDifference(new ByteArrayInputStream(longer), 0, all.length)).isEqualTo(all.length);
    assertThat(BLOB.firstDifference(new ByteArrayInputStream(Arrays.copyOfRange(all, 10, 60)), 10, 50)).isEqualTo(-1);
  }

  @Test
  void range_outsideTheBlob_refused() {
    assertThatThrownBy(() -> BLOB.range(BLOB.size(), 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SeededBlob(1, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] read(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }
}
