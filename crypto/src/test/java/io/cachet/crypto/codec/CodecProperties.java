package io.cachet.crypto.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The canonical binary codec and the two text encodings of bytes: every value round-trips, a
 * reader never reads past the end of its input or leaves bytes unread, and every text form has
 * exactly one accepted spelling.
 */
class CodecProperties {

  // ------------------------------------------------------------------ canonical binary fields

  /** One field of a canonical encoding: writes itself, then reads itself back and compares. */
  sealed interface Field permits U8, U16, U32, U64, Bytes8, Bytes16, Str8 {
    void write(CanonicalWriter w);

    /** Reads this field's kind; true if the value read equals this one. */
    boolean readBack(CanonicalReader r) throws FormatException;
  }

  record U8(int v) implements Field {
    public void write(CanonicalWriter w) {
      w.u8(v);
    }

    public boolean readBack(CanonicalReader r) throws FormatException {
      return r.u8("u8") == v;
    }
  }

  record U16(int v) implements Field {
    public void write(CanonicalWriter w) {
      w.u16(v);
    }

    public boolean readBack(CanonicalReader r) throws FormatException {
      return r.u16("u16") == v;
    }
  }

  record U32(long v) implements Field {
    public void write(CanonicalWriter w) {
      w.u32(v);
    }

    public boolean readBack(CanonicalReader r) throws FormatException {
      return r.u32("u32") == v;
    }
  }

  record U64(long v) implements Field {
    public void write(CanonicalWriter w) {
      w.u64(v);
    }

    public boolean readBack(CanonicalReader r) throws FormatException {
      return r.u64("u64") == v;
    }
  }

  record Bytes8(byte[] v) implements Field {
    public void write(CanonicalWriter w) {
      w.bytes8(v);
    }

    public boolean readBack(CanonicalReader r) throws FormatException {
      return Arrays.equals(r.bytes8("bytes8"), v);
    }
  }

  record Bytes16(byte[] v) implements Field {
    public void write(CanonicalWriter w) {
      w.bytes16(v);
    }

    public boolean readBack(CanonicalReader r) throws FormatException {
      return Arrays.equals(r.bytes16("bytes16"), v);
    }
  }

  record Str8(String v) implements Field {
    public void write(CanonicalWriter w) {
      w.string8(v);
    }

    public boolean readBack(CanonicalReader r) throws FormatException {
      return r.string8("string8").equals(v);
    }
  }

  /** Strings of whole code points (no lone surrogates) whose UTF-8 form fits in 255 bytes. */
  static Arbitrary<String> utf8Strings() {
    return Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
        .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
        .list().ofMaxSize(63)
        .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
  }

  @Provide
  Arbitrary<Field> field() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(0, 0xFF).map(U8::new),
        Arbitraries.integers().between(0, 0xFFFF).map(U16::new),
        Arbitraries.longs().between(0, 0xFFFF_FFFFL).map(U32::new),
        Arbitraries.longs().map(U64::new),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(255).map(Bytes8::new),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(2048).map(Bytes16::new),
        utf8Strings().map(Str8::new));
  }

  @Provide
  Arbitrary<List<Field>> fields() {
    return field().list().ofMinSize(1).ofMaxSize(12);
  }

  static byte[] encode(List<Field> fields) {
    CanonicalWriter w = new CanonicalWriter();
    fields.forEach(f -> f.write(w));
    return w.toByteArray();
  }

  @Property
  void readBack_anyFieldSequence_returnsEveryValueAndConsumesAll(@ForAll("fields") List<Field> fields)
      throws FormatException {
    byte[] bytes = encode(fields);
    CanonicalReader r = new CanonicalReader(bytes);

    for (Field f : fields) {
      assertThat(f.readBack(r)).as("field %s", f).isTrue();
    }
    r.end("sequence");
    assertThat(r.position()).isEqualTo(bytes.length);
    assertThat(r.remaining()).isZero();
  }

  @Property
  void tagged_anyTag_isAString8Prefix(@ForAll("utf8Tags") String tag, @ForAll("fields") List<Field> fields)
      throws FormatException {
    CanonicalWriter w = CanonicalWriter.tagged(tag);
    fields.forEach(f -> f.write(w));
    CanonicalReader r = new CanonicalReader(w.toByteArray());

    assertThat(r.string8("tag")).isEqualTo(tag);
    for (Field f : fields) {
      assertThat(f.readBack(r)).isTrue();
    }
    r.end("tagged");
  }

  @Provide
  Arbitrary<String> utf8Tags() {
    return utf8Strings();
  }

  @Property
  void readBack_truncatedEncoding_throwsFormatAndNeverOverreads(@ForAll("fields") List<Field> fields,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int cutSeed) {
    byte[] whole = encode(fields);
    byte[] cut = Arrays.copyOf(whole, cutSeed % whole.length);
    CanonicalReader r = new CanonicalReader(cut);

    assertThatThrownBy(() -> {
      for (Field f : fields) {
        f.readBack(r);
      }
    }).isInstanceOf(FormatException.class).hasMessageContaining("remain");
    assertThat(r.position()).isLessThanOrEqualTo(cut.length);
  }

  @Property
  void end_trailingBytesAfterValidEncoding_throwsFormat(@ForAll("fields") List<Field> fields,
      @ForAll @Size(min = 1, max = 16) byte[] trailing) throws FormatException {
    byte[] whole = encode(fields);
    byte[] withTrailing = Arrays.copyOf(whole, whole.length + trailing.length);
    System.arraycopy(trailing, 0, withTrailing, whole.length, trailing.length);
    CanonicalReader r = new CanonicalReader(withTrailing);
    for (Field f : fields) {
      assertThat(f.readBack(r)).isTrue();
    }

    assertThatThrownBy(() -> r.end("sequence"))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining(trailing.length + " trailing bytes");
  }

  @Property
  void read_arbitraryBytesAsAnyFieldKinds_succeedsOrThrowsFormatOnly(@ForAll("fields") List<Field> kinds,
      @ForAll @Size(max = 300) byte[] input) {
    CanonicalReader r = new CanonicalReader(input);
    try {
      for (Field f : kinds) {
        f.readBack(r);
      }
      r.end("arbitrary");
    } catch (FormatException expected) {
      // the only failure a reader may report
    }
    assertThat(r.position()).isBetween(0, input.length);
  }

  @Property
  void string8_anyBytes_decodesExactlyOrThrowsFormat(@ForAll @Size(max = 255) byte[] raw) {
    byte[] encoded = new CanonicalWriter().bytes8(raw).toByteArray();
    String strict;
    try {
      strict = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw)).toString();
    } catch (CharacterCodingException e) {
      strict = null;
    }

    if (strict == null) {
      assertThatThrownBy(() -> new CanonicalReader(encoded).string8("s")).isInstanceOf(FormatException.class)
          .hasMessageContaining("not UTF-8");
    } else {
      String expected = strict;
      assertThatCode(() -> assertThat(new CanonicalReader(encoded).string8("s")).isEqualTo(expected))
          .doesNotThrowAnyException();
      assertThat(expected.getBytes(StandardCharsets.UTF_8)).isEqualTo(raw);
    }
  }

  @Example
  void string8_malformedUtf8_throwsFormatInsteadOfReplacing() {
    byte[][] malformed = {
        {(byte) 0xC0, (byte) 0x80},               // overlong NUL
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},  // encoded surrogate
        {(byte) 0xFF},                            // never valid
        {(byte) 0xE2, (byte) 0x82},               // truncated sequence
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
    };
    for (byte[] m : malformed) {
      byte[] encoded = new CanonicalWriter().bytes8(m).toByteArray();
      assertThatThrownBy(() -> new CanonicalReader(encoded).string8("s")).isInstanceOf(FormatException.class);
    }
  }

  @Example
  void writer_valuesOutOfRange_areRefused() {
    assertThatThrownBy(() -> new CanonicalWriter().u8(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CanonicalWriter().u8(256)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CanonicalWriter().u16(0x10000)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CanonicalWriter().u32(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CanonicalWriter().u32(1L << 32)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CanonicalWriter().bytes8(new byte[256])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CanonicalWriter().bytes16(new byte[0x10000]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CanonicalWriter().string8("é".repeat(128)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Example
  void writer_largestLengths_roundTrip() throws FormatException {
    byte[] b255 = new byte[255];
    byte[] b65535 = new byte[0xFFFF];
    Arrays.fill(b65535, (byte) 7);
    CanonicalReader r = new CanonicalReader(new CanonicalWriter().bytes8(b255).bytes16(b65535)
        .u64(-1L).u32(0xFFFF_FFFFL).toByteArray());

    assertThat(r.bytes8("a")).isEqualTo(b255);
    assertThat(r.bytes16("b")).isEqualTo(b65535);
    assertThat(r.u64("c")).isEqualTo(-1L);
    assertThat(r.u32("d")).isEqualTo(0xFFFF_FFFFL);
    r.end("largest");
  }

  @Example
  void fixed_negativeOrHugeLength_throwsFormatWithoutAllocating() {
    CanonicalReader r = new CanonicalReader(new byte[4]);

    assertThatThrownBy(() -> r.fixed(-1, "neg")).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> r.fixed(Integer.MAX_VALUE, "huge")).isInstanceOf(FormatException.class);
    assertThat(r.position()).isZero();
  }

  @Example
  void bytes16_lengthClaimBeyondInput_throwsFormatNamingField() {
    CanonicalReader r = new CanonicalReader(new byte[] {(byte) 0xFF, (byte) 0xFF, 1, 2, 3});

    assertThatThrownBy(() -> r.bytes16("payload"))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("payload")
        .hasMessageContaining("65535");
  }

  // ------------------------------------------------------------------ Base64Url

  @Property
  void base64Url_anyBytes_roundTripsUnpaddedUrlSafe(@ForAll @Size(max = 200) byte[] bytes) throws FormatException {
    String text = Base64Url.encode(bytes);

    assertThat(text).matches("[A-Za-z0-9_-]*");
    assertThat(Base64Url.decode(text, "b")).isEqualTo(bytes);
    assertThat(Base64Url.decode(text, bytes.length, "b")).isEqualTo(bytes);
  }

  @Property
  void base64Url_paddedForm_isRefused(@ForAll @Size(min = 1, max = 200) byte[] bytes) {
    Assume.that(bytes.length % 3 != 0);
    String padded = Base64.getUrlEncoder().encodeToString(bytes);
    assertThat(padded).endsWith("=");

    assertThatThrownBy(() -> Base64Url.decode(padded, "b")).isInstanceOf(FormatException.class)
        .hasMessageContaining("padding");
  }

  private static final String URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  @Property
  void base64Url_unusedLowBitsSet_isRefusedAsNonCanonical(@ForAll @Size(min = 1, max = 200) byte[] bytes,
      @ForAll @IntRange(min = 1, max = 15) int junk) {
    Assume.that(bytes.length % 3 != 0);
    String text = Base64Url.encode(bytes);
    // One leftover byte leaves 4 unused bits in the last character, two leave 2.
    int unusedMask = bytes.length % 3 == 1 ? 0x0F : 0x03;
    Assume.that((junk & unusedMask) != 0);
    int last = URL_ALPHABET.indexOf(text.charAt(text.length() - 1));
    String nonCanonical = text.substring(0, text.length() - 1) + URL_ALPHABET.charAt(last | (junk & unusedMask));

    assertThatThrownBy(() -> Base64Url.decode(nonCanonical, "b")).isInstanceOf(FormatException.class);
  }

  @Property
  void base64Url_standardAlphabet_isRefused(@ForAll @Size(min = 1, max = 200) byte[] bytes) {
    String standard = Base64.getEncoder().withoutPadding().encodeToString(bytes);
    Assume.that(standard.indexOf('+') >= 0 || standard.indexOf('/') >= 0);

    assertThatThrownBy(() -> Base64Url.decode(standard, "b")).isInstanceOf(FormatException.class);
  }

  @Property
  void base64Url_anyText_decodesCanonicallyOrThrowsFormat(@ForAll("base64ish") String text) {
    byte[] out;
    try {
      out = Base64Url.decode(text, "b");
    } catch (FormatException e) {
      return;
    }
    assertThat(Base64Url.encode(out)).isEqualTo(text);
  }

  @Provide
  Arbitrary<String> base64ish() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars(URL_ALPHABET + "=+/ \n\t.").ofMaxLength(40),
        Arbitraries.strings().ofMaxLength(40));
  }

  @Property
  void base64Url_wrongLength_throwsFormat(@ForAll @Size(max = 64) byte[] bytes,
      @ForAll @IntRange(min = 0, max = 64) int expected) {
    Assume.that(bytes.length != expected);

    assertThatThrownBy(() -> Base64Url.decode(Base64Url.encode(bytes), expected, "key"))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("expected " + expected + " bytes");
  }

  @Example
  void base64Url_nullOrLoneCharacter_throwsFormat() {
    assertThatThrownBy(() -> Base64Url.decode(null, "b")).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> Base64Url.decode("A", "b")).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> Base64Url.decode("AAAAA", "b")).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> Base64Url.decode("AA==", "b")).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> Base64Url.decode("AA AA", "b")).isInstanceOf(FormatException.class);
  }

  // ------------------------------------------------------------------ Hex

  @Property
  void hex_anyBytes_roundTripsAsLowerCase0x(@ForAll @Size(max = 64) byte[] bytes) throws FormatException {
    String text = Hex.to0x(bytes);

    assertThat(text).matches("0x[0-9a-f]*");
    assertThat(Hex.from0x(text, bytes.length, "id")).isEqualTo(bytes);
  }

  @Property
  void hex_wrongDigitCount_throwsFormat(@ForAll @Size(min = 1, max = 40) byte[] bytes,
      @ForAll @IntRange(min = -3, max = 3) int delta) {
    Assume.that(delta != 0);
    String text = Hex.to0x(bytes);
    String wrong = delta > 0
        ? text + "0123456789abcdef".substring(0, delta)
        : text.substring(0, Math.max(0, text.length() + delta));

    assertThatThrownBy(() -> Hex.from0x(wrong, bytes.length, "id")).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> Hex.from0x(text, bytes.length + delta, "id")).isInstanceOf(FormatException.class);
  }

  @Property
  void hex_missingOrWrongPrefix_throwsFormat(@ForAll @Size(min = 1, max = 40) byte[] bytes,
      @ForAll("prefixes") String prefix) {
    String digits = Hex.to0x(bytes).substring(2);

    assertThatThrownBy(() -> Hex.from0x(prefix + digits, bytes.length, "id")).isInstanceOf(FormatException.class);
  }

  @Provide
  Arbitrary<String> prefixes() {
    return Arbitraries.of("", "0X", "x0", "00", "0b", " 0x", "0x ", "\u00000x", "0\u0078\u0301", "ox");
  }

  @Property
  void hex_nonHexCharacter_throwsFormat(@ForAll @Size(min = 1, max = 40) byte[] bytes,
      @ForAll @IntRange(min = 0, max = 1000) int at, @ForAll("nonHex") char bad) {
    String text = Hex.to0x(bytes);
    int pos = 2 + at % (text.length() - 2);
    String broken = text.substring(0, pos) + bad + text.substring(pos + 1);

    assertThatThrownBy(() -> Hex.from0x(broken, bytes.length, "id")).isInstanceOf(FormatException.class);
  }

  @Provide
  Arbitrary<Character> nonHex() {
    return Arbitraries.chars().filter(c -> Character.digit(c, 16) < 0 && c != 'x');
  }

  @Property
  void hex_anyText_parsesOrThrowsFormat(@ForAll @IntRange(min = 0, max = 40) int length,
      @ForAll("hexish") String text) {
    try {
      byte[] out = Hex.from0x(text, length, "id");
      assertThat(out).hasSize(length);
    } catch (FormatException expected) {
      // the only failure allowed
    }
  }

  @Provide
  Arbitrary<String> hexish() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("0123456789abcdefABCDEFxX -+g").ofMaxLength(84).map(s -> "0x" + s),
        Arbitraries.strings().ofMaxLength(84));
  }

  @Example
  void hex_null_throwsFormat() {
    assertThatThrownBy(() -> Hex.from0x(null, 32, "id")).isInstanceOf(FormatException.class);
  }
}
