package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Seal-then-open round trips, through both the stream and the random-access channel, at the sizes
 * where the body layout changes: empty, one byte, and either side of the first two segment ends
 * (the first segment holds 40 bytes less plaintext, as Tink's stream header shares it). Also pins
 * {@link BodyLayout#ciphertextLength} to Tink's own arithmetic and to real envelopes.
 *
 * <p>jqwik does not run JUnit extensions, so {@code @TempDir} is not available to properties; the
 * container hooks below make and remove a temporary directory for the envelope files instead.
 */
class EnvelopeRoundTripProperties {
  private static final BodyLayout LAYOUT = BodyLayout.DEFAULT;
  private static final int PLAIN_SEGMENT = LAYOUT.plaintextSegmentSize();
  /** Plaintext bytes in the first segment. */
  private static final int FIRST_END = PLAIN_SEGMENT - BodyLayout.STREAM_HEADER_LENGTH;
  /** Plaintext bytes in the first two segments. */
  private static final int SECOND_END = FIRST_END + PLAIN_SEGMENT;

  private static final TestKeys KEYS = new TestKeys(3);
  private static final PolicyId POLICY = PolicyId.random(TestKeys.RANDOM);

  private static Path dir;

  @BeforeContainer
  static void makeDirectory() throws IOException {
    dir = Files.createTempDirectory("cachet-roundtrip");
  }

  @AfterContainer
  static void removeDirectory() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  // ---------------------------------------------------------------- round trips

  @Provide
  Arbitrary<Integer> boundarySizes() {
    return Arbitraries.of(0, 1, 2, FIRST_END - 1, FIRST_END, FIRST_END + 1,
        SECOND_END - 1, SECOND_END, SECOND_END + 1);
  }

  @Property(generation = GenerationMode.EXHAUSTIVE)
  void sealThenOpen_atSegmentBoundaries_givesBackThePlaintext(@ForAll("boundarySizes") int size)
      throws Exception {
    Random random = new Random(TestKeys.RANDOM.nextLong());
    byte[] plain = new byte[size];
    random.nextBytes(plain);
    roundTrip(plain, random, 2, 6);
  }

  @Property(tries = 6)
  void sealThenOpen_severalMiB_givesBackThePlaintext(
      @ForAll @IntRange(min = 2 << 20, max = 5 << 20) int size, @ForAll Random random) throws Exception {
    byte[] plain = new byte[size];
    random.nextBytes(plain);
    roundTrip(plain, random, 3, 20);
  }

  @Property(tries = 150)
  void sealThenOpen_smallPlaintexts_givesBackThePlaintext(@ForAll @Size(max = 5000) byte[] plain,
      @ForAll Random random) throws Exception {
    roundTrip(plain, random, 1, 4);
  }

  /**
   * Seals {@code plain} t-of-3, then opens it with a random t-subset of the key servers, through
   * the stream (read in uneven chunks) and through the channel (random ranges).
   */
  private static void roundTrip(byte[] plain, Random random, int t, int ranges) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length + 4096);
    EnvelopeHeader sealed = Envelope.seal(KEYS.params(POLICY, t), new ByteArrayInputStream(plain),
        plain.length, out, TestKeys.RANDOM);
    byte[] envelope = out.toByteArray();

    assertThat((long) envelope.length)
        .isEqualTo(sealed.envelopeLength())
        .isEqualTo(sealed.encodedLength() + LAYOUT.ciphertextLength(plain.length))
        .isEqualTo(sealed.encodedLength() + tink().expectedCiphertextSize(plain.length));

    InputStream in = new ByteArrayInputStream(envelope);
    EnvelopeHeader header = EnvelopeHeader.read(in);
    assertThat(header).isEqualTo(sealed);
    assertThat(header.plaintextLength()).isEqualTo(plain.length);
    DataKey key = Envelope.recoverKey(header, someShares(header, t, random));

    try (InputStream p = Envelope.openStream(header, key, in)) {
      assertThat(readInChunks(p, random)).isEqualTo(plain);
      assertThat(p.read()).isEqualTo(-1);
    }

    Path file = Files.createTempFile(dir, "envelope", ".bin");
    try {
      Files.write(file, envelope);
      try (SeekableByteChannel ch = Envelope.openChannel(header, key,
          Files.newByteChannel(file, StandardOpenOption.READ))) {
        assertThat(ch.size()).isEqualTo(plain.length);
        for (long[] range : ranges(plain.length, random, ranges)) {
          int from = (int) range[0];
          int len = (int) range[1];
          ch.position(from);
          assertThat(readFully(ch, len)).as("plaintext[%d, +%d)", from, len)
              .isEqualTo(Arrays.copyOfRange(plain, from, from + len));
        }
        ch.position(plain.length);
        assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
      }
    } finally {
      Files.delete(file);
      key.destroy();
    }
  }

  private static List<Share> someShares(EnvelopeHeader header, int t, Random random) throws ShareUnsealException {
    List<Integer> slots = new ArrayList<>(List.of(1, 2, 3));
    Collections.shuffle(slots, random);
    List<Share> shares = new ArrayList<>();
    for (int i : slots.subList(0, t)) {
      shares.add(KEYS.unseal(header, i));
    }
    return shares;
  }

  /** The whole plaintext, the ranges across each segment end, and random ones. */
  private static List<long[]> ranges(int size, Random random, int count) {
    List<long[]> out = new ArrayList<>();
    out.add(new long[] {0, size});
    for (long end = FIRST_END; end <= size; end += PLAIN_SEGMENT) {
      long from = Math.max(0, end - 7);
      out.add(new long[] {from, Math.min(size, end + 9) - from});
    }
    for (int i = 0; i < count; i++) {
      int from = random.nextInt(size + 1);
      int len = random.nextInt(Math.min(size - from, 300_000) + 1);
      out.add(new long[] {from, len});
    }
    return out;
  }

  private static byte[] readInChunks(InputStream in, Random random) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[70_000];
    for (int n; (n = in.read(buf, 0, 1 + random.nextInt(buf.length))) >= 0; ) {
      got.write(buf, 0, n);
    }
    return got.toByteArray();
  }

  private static byte[] readFully(SeekableByteChannel ch, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(len);
    int idle = 0;
    while (buf.hasRemaining()) {
      int n = ch.read(buf);
      assertThat(n).as("channel ended with %d bytes still wanted", buf.remaining()).isNotNegative();
      idle = n == 0 ? idle + 1 : 0;
      assertThat(idle).as("channel keeps returning 0").isLessThan(10);
    }
    return buf.array();
  }

  // ---------------------------------------------------------------- the channel's own contract

  @Example
  void channelPosition_negative_throwsIllegalArgumentException() throws Exception {
    byte[] plain = new byte[1000];
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EnvelopeHeader header = Envelope.seal(KEYS.params(POLICY, 1), new ByteArrayInputStream(plain),
        plain.length, out, TestKeys.RANDOM);
    DataKey key = Envelope.recoverKey(header, List.of(KEYS.unseal(header, 2)));
    Path file = Files.createTempFile(dir, "envelope", ".bin");
    Files.write(file, out.toByteArray());
    try (SeekableByteChannel ch = Envelope.openChannel(header, key,
        Files.newByteChannel(file, StandardOpenOption.READ))) {
      assertThatThrownBy(() -> ch.position(-1)).isInstanceOf(IllegalArgumentException.class);
    } finally {
      Files.delete(file);
    }
  }

  // ---------------------------------------------------------------- layout arithmetic

  @Property(tries = 3000)
  void ciphertextLength_anyLength_matchesTink(
      @ForAll @LongRange(min = 0, max = EnvelopeHeader.MAX_PLAINTEXT_LENGTH) long n) {
    assertThat(LAYOUT.ciphertextLength(n)).isEqualTo(tink().expectedCiphertextSize(n));
  }

  @Property(tries = 3000)
  void ciphertextLength_smallLengths_matchesTink(@ForAll @IntRange(min = 0, max = 3 << 20) int n) {
    assertThat(LAYOUT.ciphertextLength(n)).isEqualTo(tink().expectedCiphertextSize(n));
  }

  @Example
  void ciphertextLength_aroundEverySegmentEnd_matchesTink() {
    long[] starts = {0, FIRST_END, EnvelopeHeader.MAX_PLAINTEXT_LENGTH - 5L * PLAIN_SEGMENT};
    for (long start : starts) {
      for (long k = 0; k < 2000; k++) {
        for (long d = -3; d <= 3; d++) {
          long n = start + k * PLAIN_SEGMENT + d;
          if (n >= 0 && n <= EnvelopeHeader.MAX_PLAINTEXT_LENGTH) {
            assertThat(LAYOUT.ciphertextLength(n)).as("n=%d", n).isEqualTo(tink().expectedCiphertextSize(n));
          }
        }
      }
    }
    assertThat(LAYOUT.ciphertextLength(0)).isEqualTo(BodyLayout.STREAM_HEADER_LENGTH + BodyLayout.TAG_LENGTH);
    assertThat(LAYOUT.ciphertextLength(FIRST_END)).isEqualTo(BodyLayout.SEGMENT_SIZE);
    assertThat(LAYOUT.ciphertextLength(SECOND_END)).isEqualTo(2L * BodyLayout.SEGMENT_SIZE);
  }

  private static AesGcmHkdfStreaming tink() {
    try {
      return new AesGcmHkdfStreaming(new byte[32], "HmacSha256", 32, BodyLayout.SEGMENT_SIZE, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
