package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every way of altering a sealed envelope is refused before a byte of plaintext is returned (or,
 * for the stream form, before the tampered segment would be), each with its own exception type.
 */
class EnvelopeTamperTest {
  private static final int SEGMENT = BodyLayout.SEGMENT_SIZE;
  private static final int PLAIN_SEGMENT = BodyLayout.DEFAULT.plaintextSegmentSize();
  private static final int FIRST_END = PLAIN_SEGMENT - BodyLayout.STREAM_HEADER_LENGTH;

  private static final TestKeys KEYS = new TestKeys(3);
  private static final PolicyId POLICY = PolicyId.random(TestKeys.RANDOM);

  /** 2-of-3, about 3 KiB: one short segment. */
  private static Sealed small;
  /** 2-of-3, three full segments and a short fourth. */
  private static Sealed multi;

  @TempDir Path dir;

  /** An envelope as sealed, with the key its shares rebuild. */
  record Sealed(EnvelopeHeader header, byte[] envelope, byte[] plain, DataKey key) {
    byte[] headerBytes() {
      return header.encoded();
    }

    byte[] body() {
      return Arrays.copyOfRange(envelope, header.encodedLength(), envelope.length);
    }

    /** The envelope with its body replaced. */
    byte[] withBody(byte[] body) {
      byte[] h = headerBytes();
      byte[] out = Arrays.copyOf(h, h.length + body.length);
      System.arraycopy(body, 0, out, h.length, body.length);
      return out;
    }
  }

  @BeforeAll
  static void seal() throws Exception {
    small = seal(3 * 1024 + 5);
    multi = seal(FIRST_END + 2 * PLAIN_SEGMENT + 1000);
    assertThat(multi.body().length).isEqualTo(3 * SEGMENT + 1000 + BodyLayout.TAG_LENGTH);
  }

  private static Sealed seal(int size) throws Exception {
    byte[] plain = new byte[size];
    TestKeys.RANDOM.nextBytes(plain);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EnvelopeHeader header = Envelope.seal(KEYS.params(POLICY, 2), new ByteArrayInputStream(plain), size, out,
        TestKeys.RANDOM);
    DataKey key = Envelope.recoverKey(header, List.of(KEYS.unseal(header, 1), KEYS.unseal(header, 2)));
    return new Sealed(header, out.toByteArray(), plain, key);
  }

  // ---------------------------------------------------------------- helpers

  /** What the stream form released, and how it ended (null if it reached end of stream cleanly). */
  record Drained(byte[] released, Throwable failure, boolean failedAtOpen) {}

  private static Drained drain(EnvelopeHeader header, DataKey key, byte[] body) {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    InputStream p;
    try {
      p = Envelope.openStream(header, key, new ByteArrayInputStream(body));
    } catch (Exception e) {
      return new Drained(new byte[0], e, true);
    }
    try (p) {
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = p.read(buf)) >= 0; ) {
        got.write(buf, 0, n);
      }
      return new Drained(got.toByteArray(), null, false);
    } catch (Exception e) {
      return new Drained(got.toByteArray(), e, false);
    }
  }

  /** The stream failed with {@code type}, having released only a strict prefix of the plaintext. */
  private static void assertStreamRefuses(Sealed s, byte[] body, Class<? extends Throwable> type) {
    Drained d = drain(s.header(), s.key(), body);
    assertThat(d.failure()).as("the stream reached its end without an error").isNotNull();
    assertThat(d.failure()).isInstanceOf(type);
    assertThat(d.released().length).isLessThan(s.plain().length);
    assertThat(d.released()).as("released bytes are a prefix of the plaintext")
        .isEqualTo(Arrays.copyOf(s.plain(), d.released().length));
  }

  private Path write(byte[] envelope) throws IOException {
    Path f = Files.createTempFile(dir, "envelope", ".bin");
    Files.write(f, envelope);
    return f;
  }

  private static SeekableByteChannel openChannel(Sealed s, Path file) throws Exception {
    return openChannel(s.header(), s.key(), file);
  }

  /** Opens the file for random access; closes it again if the envelope is refused. */
  private static SeekableByteChannel openChannel(EnvelopeHeader h, DataKey key, Path file) throws Exception {
    SeekableByteChannel raw = Files.newByteChannel(file, StandardOpenOption.READ);
    try {
      return Envelope.openChannel(h, key, raw);
    } catch (Exception e) {
      raw.close();
      throw e;
    }
  }

  /** Reads the whole plaintext through the channel. */
  private static byte[] readAll(SeekableByteChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) ch.size());
    ch.position(0);
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) {
        break;
      }
    }
    return buf.array();
  }

  private static byte[] flipBit(byte[] in, long bit) {
    byte[] out = in.clone();
    out[(int) (bit / 8)] ^= (byte) (1 << (bit % 8));
    return out;
  }

  // ---------------------------------------------------------------- header bits

  /** The types a tampered header may be refused with. */
  private static final List<Class<? extends Throwable>> HEADER_REFUSALS = List.of(
      FormatException.class, ShareUnsealException.class, CommitmentMismatchException.class,
      InsufficientSharesException.class, InconsistentSharesException.class, BodyIntegrityException.class);

  @Test
  void open_anySingleHeaderBitFlipped_isRefusedWithATypedErrorBeforeAnyPlaintext(TestReporter report)
      throws Exception {
    byte[] envelope = small.envelope();
    int bits = small.header().encodedLength() * 8;
    Path file = dir.resolve("flipped.bin");
    Map<String, Integer> streamOutcomes = new TreeMap<>();
    Map<String, Integer> channelOutcomes = new TreeMap<>();

    for (int bit = 0; bit < bits; bit++) {
      byte[] tampered = flipBit(envelope, bit);
      Files.write(file, tampered);
      String where = "bit " + bit + " (header byte " + bit / 8 + ")";
      InputStream in = new ByteArrayInputStream(tampered);

      // Parsing and key recovery are common to both forms; only the last step differs.
      Recovered r;
      try {
        r = recover(in);
      } catch (Exception e) {
        tally(where, e, streamOutcomes);
        tally(where, e, channelOutcomes);
        continue;
      }
      tally(where + ", stream form", catchThrowable(() -> Envelope.openStream(r.header(), r.key(), in).close()),
          streamOutcomes);
      tally(where + ", channel form", catchThrowable(() -> openChannel(r.header(), r.key(), file).close()),
          channelOutcomes);
    }
    report.publishEntry("stream form, " + bits + " header bits", streamOutcomes.toString());
    report.publishEntry("channel form, " + bits + " header bits", channelOutcomes.toString());
    // Each layer of checks is reached by some flip: parsing, the HPKE context, the commitment,
    // and the header as the body's associated data.
    assertThat(streamOutcomes).containsKeys("FormatException", "ShareUnsealException",
        "CommitmentMismatchException", "SegmentAuthenticationException");
    assertThat(channelOutcomes).containsKeys("FormatException", "ShareUnsealException",
        "CommitmentMismatchException", "SegmentAuthenticationException");
  }

  record Recovered(EnvelopeHeader header, DataKey key) {}

  /** Reads the header and rebuilds the key from key servers 1 and 2, as a reader would. */
  private static Recovered recover(InputStream in) throws Exception {
    EnvelopeHeader h = EnvelopeHeader.read(in);
    return new Recovered(h, Envelope.recoverKey(h, List.of(KEYS.unseal(h, 1), KEYS.unseal(h, 2))));
  }

  /** Asserts the open was refused with one of the expected types, and counts the type. */
  private static void tally(String where, Throwable thrown, Map<String, Integer> outcomes) {
    assertThat(thrown).as(where + ": opened").isNotNull();
    assertThat(thrown).as(where).isInstanceOfAny(HEADER_REFUSALS.toArray(Class[]::new));
    outcomes.merge(thrown.getClass().getSimpleName(), 1, Integer::sum);
  }

  // ---------------------------------------------------------------- truncation

  static Stream<Arguments> cuts() {
    long multiBody = multi.body().length;
    long smallBody = small.body().length;
    List<Arguments> out = new ArrayList<>();
    LongStream.of(0, 1, 39, 40, 41, 56, 1000, SEGMENT - 17, SEGMENT - 16, SEGMENT - 1, SEGMENT, SEGMENT + 1,
            2L * SEGMENT - 1, 2L * SEGMENT, 2L * SEGMENT + 1, 3L * SEGMENT - 1, 3L * SEGMENT, 3L * SEGMENT + 1,
            multiBody - 17, multiBody - 16, multiBody - 1)
        .forEach(cut -> out.add(Arguments.of("multi", cut)));
    for (int i = 0; i < 4; i++) {
      out.add(Arguments.of("multi", (long) TestKeys.RANDOM.nextInt((int) multiBody)));
    }
    LongStream.of(0, 20, 40, 56, smallBody / 2, smallBody - 16, smallBody - 1)
        .forEach(cut -> out.add(Arguments.of("small", cut)));
    return out.stream();
  }

  private static Sealed which(String name) {
    return name.equals("small") ? small : multi;
  }

  @ParameterizedTest(name = "{0} body cut to {1} bytes")
  @MethodSource("cuts")
  void openChannel_truncatedBody_throwsTruncatedBodyException(String name, long cut) throws Exception {
    Sealed s = which(name);
    Path file = write(s.withBody(Arrays.copyOf(s.body(), (int) cut)));
    assertThatThrownBy(() -> openChannel(s, file)).isInstanceOf(TruncatedBodyException.class);
  }

  @ParameterizedTest(name = "{0} body cut to {1} bytes")
  @MethodSource("cuts")
  void openStream_truncatedBody_throwsTruncatedBodyExceptionBeforeEndOfStream(String name, long cut) {
    Sealed s = which(name);
    assertStreamRefuses(s, Arrays.copyOf(s.body(), (int) cut), TruncatedBodyException.class);
  }

  @Test
  void openStream_bodyCutAtASegmentEnd_releasesOnlyTheSegmentsBefore() {
    Drained d = drain(multi.header(), multi.key(), Arrays.copyOf(multi.body(), 2 * SEGMENT));
    assertThat(d.failure()).isInstanceOf(TruncatedBodyException.class);
    assertThat(d.released().length).isLessThanOrEqualTo(FIRST_END);
  }

  // ---------------------------------------------------------------- extension

  static Stream<Arguments> extensions() {
    return Stream.of(
        Arguments.of("small", "one byte"), Arguments.of("small", "a random segment"),
        Arguments.of("small", "a copy of the last segment"),
        Arguments.of("multi", "one byte"), Arguments.of("multi", "a random segment"),
        Arguments.of("multi", "a copy of a middle segment"),
        Arguments.of("multi", "a copy of the last segment"));
  }

  private static byte[] extended(Sealed s, String how) {
    byte[] body = s.body();
    byte[] extra;
    int lastStart = (body.length - 1) / SEGMENT * SEGMENT;
    switch (how) {
      case "one byte" -> extra = new byte[] {0};
      case "a random segment" -> {
        extra = new byte[SEGMENT];
        TestKeys.RANDOM.nextBytes(extra);
      }
      case "a copy of a middle segment" -> extra = Arrays.copyOfRange(body, SEGMENT, 2 * SEGMENT);
      case "a copy of the last segment" -> extra = Arrays.copyOfRange(body, lastStart, body.length);
      default -> throw new IllegalArgumentException(how);
    }
    byte[] out = Arrays.copyOf(body, body.length + extra.length);
    System.arraycopy(extra, 0, out, body.length, extra.length);
    return out;
  }

  @ParameterizedTest(name = "{0} body plus {1}")
  @MethodSource("extensions")
  void openChannel_extendedBody_throwsTrailingDataException(String name, String how) throws Exception {
    Sealed s = which(name);
    Path file = write(s.withBody(extended(s, how)));
    assertThatThrownBy(() -> openChannel(s, file)).isInstanceOf(TrailingDataException.class);
  }

  @ParameterizedTest(name = "{0} body plus {1}")
  @MethodSource("extensions")
  void openStream_extendedBody_throwsTrailingDataExceptionBeforeEndOfStream(String name, String how) {
    Sealed s = which(name);
    assertStreamRefuses(s, extended(s, how), TrailingDataException.class);
  }

  // ---------------------------------------------------------------- reordering

  /** The multi body with its 1 MiB segments {@code a} and {@code b} exchanged (the last may be short). */
  private static byte[] swapped(int a, int b) {
    byte[] body = multi.body();
    int count = (body.length + SEGMENT - 1) / SEGMENT;
    List<byte[]> segments = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      segments.add(Arrays.copyOfRange(body, i * SEGMENT, Math.min(body.length, (i + 1) * SEGMENT)));
    }
    Collections.swap(segments, a, b);
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
    segments.forEach(out::writeBytes);
    return out.toByteArray();
  }

  @ParameterizedTest(name = "segments {0} and {1}")
  @MethodSource("segmentPairs")
  void openStream_twoSegmentsSwapped_throwsSegmentAuthenticationException(int a, int b) {
    byte[] body = swapped(a, b);
    assertStreamRefuses(multi, body, SegmentAuthenticationException.class);
    Drained d = drain(multi.header(), multi.key(), body);
    if (a == 0) {
      assertThat(d.failedAtOpen()).as("refused at openStream, before any plaintext").isTrue();
    } else {
      assertThat(d.released().length).isLessThanOrEqualTo(FIRST_END + (a - 1) * PLAIN_SEGMENT);
    }
  }

  @ParameterizedTest(name = "segments {0} and {1}")
  @MethodSource("segmentPairs")
  void openChannel_twoSegmentsSwapped_throwsSegmentAuthenticationException(int a, int b) throws Exception {
    Path file = write(multi.withBody(swapped(a, b)));
    boolean firstOrLastMoved = a == 0 || b == 3;
    if (firstOrLastMoved) {
      assertThatThrownBy(() -> openChannel(multi, file)).isInstanceOf(SegmentAuthenticationException.class);
    } else {
      try (SeekableByteChannel ch = openChannel(multi, file)) {
        assertThatThrownBy(() -> readAll(ch)).isInstanceOf(SegmentAuthenticationException.class);
        ByteBuffer one = ByteBuffer.allocate(1);
        ch.position(FIRST_END + (long) (a - 1) * PLAIN_SEGMENT + 10);
        assertThatThrownBy(() -> ch.read(one)).isInstanceOf(SegmentAuthenticationException.class);
      }
    }
  }

  static Stream<Arguments> segmentPairs() {
    return Stream.of(Arguments.of(0, 1), Arguments.of(0, 2), Arguments.of(1, 2), Arguments.of(2, 3),
        Arguments.of(0, 3));
  }

  // ---------------------------------------------------------------- body bits

  static LongStream bodyBits() {
    long last = multi.body().length * 8L;
    return LongStream.of(0, 3, 8, 39 * 8 + 7, 40 * 8, 1000 * 8 + 5, (SEGMENT - 1) * 8L, SEGMENT * 8L + 1,
        (2L * SEGMENT + 77) * 8, (3L * SEGMENT - 16) * 8, last - (17 * 8), last - 1);
  }

  @ParameterizedTest(name = "body bit {0}")
  @MethodSource("bodyBits")
  void open_bodyBitFlipped_throwsSegmentAuthenticationException(long bit) throws Exception {
    byte[] body = flipBit(multi.body(), bit);
    assertStreamRefuses(multi, body, SegmentAuthenticationException.class);
    if (bit < SEGMENT * 8L) {
      assertThat(drain(multi.header(), multi.key(), body).failedAtOpen()).isTrue();
    }

    Path file = write(multi.withBody(body));
    boolean firstOrLast = bit < SEGMENT * 8L || bit >= 3L * SEGMENT * 8;
    if (firstOrLast) {
      assertThatThrownBy(() -> openChannel(multi, file)).isInstanceOf(SegmentAuthenticationException.class);
    } else {
      try (SeekableByteChannel ch = openChannel(multi, file)) {
        assertThatThrownBy(() -> readAll(ch)).isInstanceOf(SegmentAuthenticationException.class);
      }
    }
  }

  @Test
  void open_smallBodyAnyByteAltered_throwsSegmentAuthenticationException() throws Exception {
    byte[] body = small.body();
    for (int i = 0; i < body.length; i += 97) {
      byte[] t = body.clone();
      t[i] ^= (byte) 0x80;
      Drained d = drain(small.header(), small.key(), t);
      assertThat(d.failure()).as("byte %d", i).isInstanceOf(SegmentAuthenticationException.class);
      assertThat(d.failedAtOpen()).as("byte %d", i).isTrue();
    }
  }

  // ---------------------------------------------------------------- moved to another context

  private static EnvelopeHeader rebuilt(EnvelopeHeader h, String ledgerId, PolicyId policy, ObjectId object,
      int threshold, List<KeyServerSlot> slots) {
    return new EnvelopeHeader(ledgerId, policy, object, threshold, h.body(), h.plaintextLength(),
        h.dekCommitment(), slots);
  }

  static Stream<Arguments> otherContexts() {
    EnvelopeHeader h = small.header();
    return Stream.of(
        Arguments.of("another policy id",
            rebuilt(h, h.ledgerId(), PolicyId.random(TestKeys.RANDOM), h.objectId(), 2, h.slots())),
        Arguments.of("another object id",
            rebuilt(h, h.ledgerId(), h.policyId(), ObjectId.random(TestKeys.RANDOM), 2, h.slots())),
        Arguments.of("another ledger id",
            rebuilt(h, "other-ledger", h.policyId(), h.objectId(), 2, h.slots())),
        Arguments.of("another threshold",
            rebuilt(h, h.ledgerId(), h.policyId(), h.objectId(), 3, h.slots())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("otherContexts")
  void unsealShare_headerNamesAnotherContext_throwsShareUnsealException(String what, EnvelopeHeader moved)
      throws Exception {
    EnvelopeHeader back = EnvelopeHeader.parse(moved.encoded());
    for (int i = 1; i <= 3; i++) {
      int slot = i;
      assertThatThrownBy(() -> KEYS.unseal(back, slot)).as("slot %d", slot)
          .isInstanceOf(ShareUnsealException.class);
    }
    // The honest header still opens: the failure is the context, not the keys.
    assertThat(KEYS.unseal(small.header(), 1).index()).isEqualTo(1);
  }

  @Test
  void unsealShare_sealedSharesOfSlotsOneAndTwoExchanged_throwsShareUnsealException() throws Exception {
    EnvelopeHeader h = small.header();
    KeyServerSlot s1 = h.slot(1);
    KeyServerSlot s2 = h.slot(2);
    List<KeyServerSlot> slots = List.of(
        new KeyServerSlot(1, s1.keyServerId(), s1.keyFingerprint(), s2.sealedShare()),
        new KeyServerSlot(2, s2.keyServerId(), s2.keyFingerprint(), s1.sealedShare()),
        h.slot(3));
    EnvelopeHeader moved = rebuilt(h, h.ledgerId(), h.policyId(), h.objectId(), 2, slots);
    assertThatThrownBy(() -> KEYS.unseal(moved, 1)).isInstanceOf(ShareUnsealException.class);
    assertThatThrownBy(() -> KEYS.unseal(moved, 2)).isInstanceOf(ShareUnsealException.class);
  }

  @Test
  void unsealShare_slotMovedWithItsKeyServerToAnotherIndex_throwsShareUnsealException() {
    // Slot 2 moved, key-server id, fingerprint and all, to index 1 (and back): the sealed share is
    // presented to the very key it was sealed to, but under another index.
    EnvelopeHeader h = small.header();
    KeyServerSlot s1 = h.slot(1);
    KeyServerSlot s2 = h.slot(2);
    List<KeyServerSlot> slots = List.of(
        new KeyServerSlot(1, s2.keyServerId(), s2.keyFingerprint(), s2.sealedShare()),
        new KeyServerSlot(2, s1.keyServerId(), s1.keyFingerprint(), s1.sealedShare()),
        h.slot(3));
    EnvelopeHeader moved = rebuilt(h, h.ledgerId(), h.policyId(), h.objectId(), 2, slots);
    assertThatThrownBy(() -> Envelope.unsealShare(moved, 1, KEYS.serverKeys.get(1)))
        .isInstanceOf(ShareUnsealException.class);
    assertThatThrownBy(() -> Envelope.unsealShare(moved, 2, KEYS.serverKeys.get(0)))
        .isInstanceOf(ShareUnsealException.class);
  }

  @Test
  void unsealShare_anotherKeyServersKey_throwsShareUnsealException() {
    assertThatThrownBy(() -> Envelope.unsealShare(small.header(), 1, KEYS.serverKeys.get(1)))
        .isInstanceOf(ShareUnsealException.class);
    assertThatThrownBy(() -> Envelope.unsealShare(small.header(), 1, HpkeKeyPair.generate()))
        .isInstanceOf(ShareUnsealException.class);
  }

  // ---------------------------------------------------------------- malformed headers

  @Test
  void parseAndRead_truncatedHeader_throwFormatException() {
    byte[] h = small.headerBytes();
    for (int len = 0; len < h.length; len++) {
      byte[] cut = Arrays.copyOf(h, len);
      assertThatThrownBy(() -> EnvelopeHeader.parse(cut)).as("%d bytes", len).isInstanceOf(FormatException.class);
      assertThatThrownBy(() -> EnvelopeHeader.read(new ByteArrayInputStream(cut))).as("%d bytes", len)
          .isInstanceOf(FormatException.class);
    }
  }

  @ParameterizedTest(name = "{0} trailing bytes")
  @ValueSource(ints = {1, 2, 80, 1000})
  void parse_trailingBytes_throwsFormatException(int extra) {
    byte[] h = small.headerBytes();
    byte[] longer = Arrays.copyOf(h, h.length + extra);
    assertThatThrownBy(() -> EnvelopeHeader.parse(longer)).isInstanceOf(FormatException.class);
  }

  @ParameterizedTest(name = "version {0}")
  @ValueSource(ints = {0, 2, 3, 127, 128, 255})
  void parseAndRead_unknownVersion_throwFormatException(int version) {
    byte[] h = small.headerBytes();
    h[4] = (byte) version;
    assertThatThrownBy(() -> EnvelopeHeader.parse(h)).isInstanceOf(FormatException.class)
        .hasMessageContaining("version");
    assertThatThrownBy(() -> EnvelopeHeader.read(new ByteArrayInputStream(h))).isInstanceOf(FormatException.class)
        .hasMessageContaining("version");
  }

  @ParameterizedTest(name = "magic byte {0}")
  @ValueSource(ints = {0, 1, 2, 3})
  void parseAndRead_badMagic_throwFormatException(int at) {
    byte[] h = small.headerBytes();
    h[at] = (byte) (h[at] + 1);
    assertThatThrownBy(() -> EnvelopeHeader.parse(h)).isInstanceOf(FormatException.class)
        .hasMessageContaining("magic");
    assertThatThrownBy(() -> EnvelopeHeader.read(new ByteArrayInputStream(h))).isInstanceOf(FormatException.class)
        .hasMessageContaining("magic");
  }

  @ParameterizedTest(name = "declared length {0}")
  @ValueSource(longs = {1L << 31, 10L << 20, 0xFFFF_FFFFL, EnvelopeHeader.MAX_HEADER_BYTES - 8})
  void read_headerLengthBeyondBound_throwsFormatExceptionBeforeReadingIt(long declared) {
    byte[] prefix = {'C', 'C', 'H', 'T', 1,
        (byte) (declared >>> 24), (byte) (declared >>> 16), (byte) (declared >>> 8), (byte) declared};
    EndlessStream in = new EndlessStream(prefix);
    assertThatThrownBy(() -> EnvelopeHeader.read(in)).isInstanceOf(FormatException.class)
        .hasMessageContaining("claims");
    assertThat(in.served).as("bytes consumed past the prefix").isEqualTo(prefix.length);

    byte[] withSome = Arrays.copyOf(prefix, prefix.length + 100);
    assertThatThrownBy(() -> EnvelopeHeader.parse(withSome)).isInstanceOf(FormatException.class)
        .hasMessageContaining("claims");
  }

  /** The given prefix, then zeros forever, counting what was served. */
  private static final class EndlessStream extends InputStream {
    private final byte[] prefix;
    long served;

    EndlessStream(byte[] prefix) {
      this.prefix = prefix;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      read(one, 0, 1);
      return one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      for (int i = 0; i < len; i++) {
        b[off + i] = served < prefix.length ? prefix[(int) served] : 0;
        served++;
      }
      return len;
    }
  }

  @Test
  void openChannel_headerNotTheOneOnDisk_throwsFormatException() throws Exception {
    Path file = write(small.envelope());
    Sealed other = new Sealed(multi.header(), small.envelope(), small.plain(), multi.key());
    assertThatThrownBy(() -> openChannel(other, file)).isInstanceOf(FormatException.class);
  }

  @Test
  void openStream_untamperedEnvelope_stillOpens() throws Exception {
    Drained d = drain(multi.header(), multi.key(), multi.body());
    if (d.failure() != null) {
      fail("untampered envelope failed", d.failure());
    }
    assertThat(d.released()).isEqualTo(multi.plain());
  }
}
