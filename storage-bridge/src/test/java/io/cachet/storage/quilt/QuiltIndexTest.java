package io.cachet.storage.quilt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.storage.BlobId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuiltIndexTest {
  private static final HexFormat HEX = HexFormat.of();

  /** The layout's known answer: two patches, one with tags out of order in the map. */
  @Test
  void knownAnswerPrefix() {
    QuiltIndex index = QuiltIndex.of(List.of(
        new QuiltEntry("a.txt", Map.of("z", "1", "content-type", "text/plain"), 3),
        new QuiltEntry("b", 0)));
    String expected = "43515401" // magic "CQT" 0x01
        + "40000000" // index length 64
        + "0200" // two patches
        + "0500" + HEX.formatHex("a.txt".getBytes()) // identifier
        + "0200" // two tags, sorted by key
        + "0c00" + HEX.formatHex("content-type".getBytes()) + "0a00" + HEX.formatHex("text/plain".getBytes())
        + "0100" + "7a" + "0100" + "31"
        + "0300000000000000" // length 3
        + "0100" + "62" + "0000" + "0000000000000000";
    assertThat(HEX.formatHex(index.prefix())).isEqualTo(expected);
    assertThat(index.prefixLength()).isEqualTo(72);
    assertThat(index.dataOffset(0)).isEqualTo(72);
    assertThat(index.dataOffset(1)).isEqualTo(75);
    assertThat(index.quiltLength()).isEqualTo(75);
    assertThat(index.indexOf("b")).isEqualTo(1);
    assertThat(index.indexOf("c")).isEqualTo(-1);
    assertThat(index.entry(0).tags().keySet()).containsExactly("content-type", "z");
    assertThat(QuiltIndex.parse(HEX.parseHex(expected)).entries()).isEqualTo(index.entries());
  }

  @Test
  void patchIdKnownAnswer() {
    BlobId quilt = BlobId.of(new byte[32]);
    QuiltPatchId id = QuiltPatchId.ofPatch(quilt, 0x0102);
    assertThat(HEX.formatHex(id.bytes())).isEqualTo("00".repeat(32) + "01" + "0201" + "0301");
    assertThat(id.toString()).hasSize(QuiltPatchId.TEXT_LENGTH)
        .isEqualTo("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAgEDAQ");
    assertThat(QuiltPatchId.parse(id.toString())).isEqualTo(id);
  }

  @Test
  void patchIdsAreRefusedForAnythingButAWalrusShapedSpan() {
    byte[] raw = QuiltPatchId.ofPatch(BlobId.of(new byte[32]), 5).bytes();
    assertThatThrownBy(() -> QuiltPatchId.parse(text(withByte(raw, 32, 2)))).hasMessageContaining("version 2");
    assertThatThrownBy(() -> QuiltPatchId.parse(text(withByte(raw, 35, 5)))).hasMessageContaining("start < end");
    assertThatThrownBy(() -> QuiltPatchId.parse(text(withByte(raw, 35, 4)))).hasMessageContaining("start < end");
    assertThatThrownBy(() -> QuiltPatchId.parse(text(Arrays.copyOf(raw, 36)))).hasMessageContaining("50 characters");
    assertThatThrownBy(() -> QuiltPatchId.parse(null)).hasMessageContaining("50 characters");
    String good = text(raw);
    assertThatThrownBy(() -> QuiltPatchId.parse(good.substring(0, 49) + "="))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> QuiltPatchId.parse(good.substring(0, 49) + "+"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> QuiltPatchId.ofPatch(BlobId.of(new byte[32]), QuiltIndex.MAX_PATCHES))
        .hasMessageContaining("0..9999");
  }

  /** A real Walrus network's patch ids span columns (the docs' example: 1..208); they pass through whole. */
  @Test
  void walrusColumnSpansParseButNameNoSinglePatch() {
    QuiltPatchId walrus = QuiltPatchId.parse("6XUOE-Q5-nAXHRifN6n9nomVDtHZQbGuAkW3PjlBuKoB0AB7Ag");
    assertThat(walrus.quiltId()).isEqualTo(BlobId.parse("6XUOE-Q5-nAXHRifN6n9nomVDtHZQbGuAkW3PjlBuKo"));
    assertThat(walrus.start()).isEqualTo(0xd0);
    assertThat(walrus.end()).isEqualTo(0x27b);
    assertThat(walrus.isSinglePatch()).isFalse();
    assertThat(walrus.toString()).isEqualTo("6XUOE-Q5-nAXHRifN6n9nomVDtHZQbGuAkW3PjlBuKoB0AB7Ag");
    assertThatThrownBy(walrus::index).isInstanceOf(IllegalStateException.class).hasMessageContaining("columns");
    QuiltPatchId first = QuiltPatchId.parse("6XUOE-Q5-nAXHRifN6n9nomVDtHZQbGuAkW3PjlBuKoBAQDQAA");
    assertThat(first.start()).isEqualTo(1);
    assertThat(first.end()).isEqualTo(0xd0);
  }

  @Test
  void identifiersFollowWalrusRules() {
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("_metadata")).hasMessageContaining("reserved");
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("a\u0001b")).hasMessageContaining("control");
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("a\u0085")).hasMessageContaining("control");
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("name ")).hasMessageContaining("whitespace");
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("name\u00a0")).hasMessageContaining("whitespace");
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("x".repeat(65_536))).hasMessageContaining("65535");
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("a\ud800")).hasMessageContaining("surrogate");
    QuiltEntry.checkIdentifier("walrus-38.jpeg");
    QuiltEntry.checkIdentifier("dossier/été 2026.pdf");
    QuiltEntry.checkIdentifier("x".repeat(65_535));
  }

  @Test
  void quiltsRefuseDuplicatesEmptinessAndTooMuch() {
    assertThatThrownBy(() -> QuiltIndex.of(List.of())).hasMessageContaining("1..10000");
    assertThatThrownBy(() -> QuiltIndex.of(List.of(new QuiltEntry("a", 1), new QuiltEntry("a", 2))))
        .hasMessageContaining("appears twice");
    List<QuiltEntry> many = new ArrayList<>();
    for (int i = 0; i <= QuiltIndex.MAX_PATCHES; i++) {
      many.add(new QuiltEntry("f" + i, 1));
    }
    assertThatThrownBy(() -> QuiltIndex.of(many)).hasMessageContaining("1..10000");
    assertThatThrownBy(() -> new QuiltEntry("a", Map.of("k", "v".repeat(QuiltEntry.MAX_TAG_BYTES)), 1))
        .hasMessageContaining("at most 65536");
    assertThatThrownBy(() -> new QuiltEntry("a", Map.of("", "v"), 1)).hasMessageContaining("empty key");
    assertThatThrownBy(() -> new QuiltEntry("a", -1)).hasMessageContaining("negative");
    assertThatThrownBy(() -> QuiltIndex.of(List.of(new QuiltEntry("a", Long.MAX_VALUE), new QuiltEntry("b", 1))))
        .hasMessageContaining("largest possible blob");
  }

  @Test
  void aBlobThatIsNotAQuiltIsToldApartFromABrokenOne() {
    assertThatThrownBy(() -> QuiltIndex.prefixLength("CACHET01".getBytes())).isInstanceOf(NotAQuiltException.class)
        .hasMessageContaining("not a quilt");
    assertThatThrownBy(() -> QuiltIndex.prefixLength(new byte[3])).isInstanceOf(NotAQuiltException.class);
    assertThatThrownBy(() -> QuiltIndex.prefixLength(HEX.parseHex("4351540200000000")))
        .isInstanceOf(NotAQuiltException.class).hasMessageContaining("version 2");
    assertThatThrownBy(() -> QuiltIndex.prefixLength(HEX.parseHex("43515401ffffffff")))
        .isInstanceOf(QuiltFormatException.class).isNotInstanceOf(NotAQuiltException.class)
        .hasMessageContaining("4294967295");
  }

  @Test
  void hostilePrefixesAreRefusedWithWhere() {
    byte[] good = QuiltIndex.of(List.of(new QuiltEntry("a", Map.of("k", "v"), 1), new QuiltEntry("b", 2))).prefix();
    // an identifier length running past the index
    assertThatThrownBy(() -> QuiltIndex.parse(withShort(good, 10, 0x7fff))).isInstanceOf(QuiltFormatException.class)
        .hasMessageContaining("identifier of patch 0");
    // one byte short: the prefix length no longer matches what the head claims
    assertThatThrownBy(() -> QuiltIndex.parse(Arrays.copyOf(good, good.length - 1)))
        .isInstanceOf(QuiltFormatException.class);
    // a count of three with two entries
    assertThatThrownBy(() -> QuiltIndex.parse(withShort(good, 8, 3))).hasMessageContaining("middle of an entry");
    // a count of one with two entries: the second trails
    assertThatThrownBy(() -> QuiltIndex.parse(withShort(good, 8, 1))).hasMessageContaining("trail");
    // a duplicate identifier
    byte[] dup = good.clone();
    int second = indexOfSecondIdentifier(good);
    dup[second] = 'a';
    assertThatThrownBy(() -> QuiltIndex.parse(dup)).hasMessageContaining("appears twice");
    // an identifier that is not UTF-8, and one with a control character
    byte[] badUtf8 = good.clone();
    badUtf8[12] = (byte) 0xff;
    assertThatThrownBy(() -> QuiltIndex.parse(badUtf8)).hasMessageContaining("not valid UTF-8");
    byte[] control = good.clone();
    control[12] = 0x07;
    assertThatThrownBy(() -> QuiltIndex.parse(control)).hasMessageContaining("control");
    // a zero count
    assertThatThrownBy(() -> QuiltIndex.parse(withShort(good, 8, 0))).hasMessageContaining("1..10000");
  }

  private static int indexOfSecondIdentifier(byte[] prefix) {
    // head 8, count 2, "a" entry: 2+1, tags 2, (2+1)+(2+1), length 8; then idLen 2
    return 8 + 2 + 3 + 2 + 6 + 8 + 2;
  }

  private static byte[] withByte(byte[] b, int at, int value) {
    byte[] c = b.clone();
    c[at] = (byte) value;
    return c;
  }

  private static byte[] withShort(byte[] b, int at, int value) {
    return ByteBuffer.wrap(b.clone()).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) value).array();
  }

  private static String text(byte[] raw) {
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  @Test
  void dotSegments_cannotBeIdentifiers_forNoUrlCanNameThem() {
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier(".")).hasMessageContaining("dot segment");
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("..")).hasMessageContaining("dot segment");
    QuiltEntry.checkIdentifier("...");
    QuiltEntry.checkIdentifier(".hidden");
  }

  @Test
  void messagesQuoteIdentifiers_escapedAndShort() {
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("a\u0001b\r\n"))
        .hasMessageContaining("'a\\u0001b\\u000d\\u000a'");
    assertThatThrownBy(() -> QuiltEntry.checkIdentifier("\u0007" + "é".repeat(200)))
        .hasMessageContaining("'\\u0007" + "é".repeat(99) + "...'");
  }

  @Test
  void tagLimits_perPatchAndPerQuilt_areRefusedByTheWriter() {
    assertThatThrownBy(() -> new QuiltEntry("a", tags(QuiltEntry.MAX_TAGS + 1, 1), 1))
        .hasMessageContaining("65 tags").hasMessageContaining("at most 64");
    new QuiltEntry("a", tags(QuiltEntry.MAX_TAGS, 1), 1);
    // the 4 bytes of lengths per tag count: key and value of 65,532 bytes are the most one tag holds
    new QuiltEntry("a", Map.of("k", "v".repeat(QuiltEntry.MAX_TAG_BYTES - 5)), 1);
    assertThatThrownBy(() -> new QuiltEntry("a", Map.of("k", "v".repeat(QuiltEntry.MAX_TAG_BYTES - 4)), 1))
        .hasMessageContaining("65537 index bytes");
    List<QuiltEntry> manyTags = new ArrayList<>();
    for (int i = 0; i * 64 <= QuiltIndex.MAX_QUILT_TAGS; i++) {
      manyTags.add(new QuiltEntry("f" + i, tags(64, 1), 0));
    }
    assertThatThrownBy(() -> QuiltIndex.of(manyTags)).hasMessageContaining("at most 32768 tags");
    List<QuiltEntry> bigTags = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      bigTags.add(new QuiltEntry("f" + i, Map.of("k", "v".repeat(QuiltEntry.MAX_TAG_BYTES - 5)), 0));
    }
    assertThatThrownBy(() -> QuiltIndex.of(bigTags)).hasMessageContaining("1048576 bytes");
  }

  @Test
  void tagLimits_areRefusedByTheParser_beforeTheTagsAreKept() {
    // a patch that claims 65 tags (and holds them): accepted before the limits existed
    assertThatThrownBy(() -> QuiltIndex.parse(rawPrefix(1, 65, 0)))
        .isInstanceOf(QuiltFormatException.class).hasMessageContaining("claims 65 tags");
    // a patch that claims 65,535 tags but holds none: refused from the count alone
    byte[] claim = rawPrefix(1, 1, 0);
    assertThatThrownBy(() -> QuiltIndex.parse(withShort(claim, 14, 0xFFFF)))
        .isInstanceOf(QuiltFormatException.class).hasMessageContaining("claims 65535 tags");
    // 513 patches of 64 one-byte tags: 32,832 tags in a quilt
    assertThatThrownBy(() -> QuiltIndex.parse(rawPrefix(513, 64, 0)))
        .isInstanceOf(QuiltFormatException.class).hasMessageContaining("at most 32768");
    // 17 patches of one tag of 65,536 index bytes: past a quilt's megabyte of tags
    assertThatThrownBy(() -> QuiltIndex.parse(rawPrefix(17, 1, QuiltEntry.MAX_TAG_BYTES - 8)))
        .isInstanceOf(QuiltFormatException.class).hasMessageContaining("more than 1048576");
    // 2 tags of 40,000 bytes on one patch: past the patch's 64 KiB
    assertThatThrownBy(() -> QuiltIndex.parse(rawPrefix(1, 2, 40_000)))
        .isInstanceOf(QuiltFormatException.class).hasMessageContaining("more than 65536");
    QuiltIndex.parse(rawPrefix(16, 1, QuiltEntry.MAX_TAG_BYTES - 8));
    QuiltIndex.parse(rawPrefix(512, 64, 0));
  }

  @Test
  void theIndexLimit_holdsAFullQuiltOfModestIdentifiers_andTheTagsAllowed() {
    assertThat(QuiltIndex.MAX_INDEX_BYTES).isEqualTo(4 << 20);
    long fullQuilt = 2 + QuiltIndex.MAX_PATCHES * (2L + 256 + 2 + 8) + QuiltIndex.MAX_QUILT_TAG_BYTES;
    assertThat(fullQuilt).isLessThanOrEqualTo(QuiltIndex.MAX_INDEX_BYTES);
    assertThatThrownBy(() -> QuiltIndex.prefixLength(HEX.parseHex("43515401" + "01004000")))
        .isInstanceOf(QuiltFormatException.class).hasMessageContaining("4194305");
  }

  private static Map<String, String> tags(int count, int valueLength) {
    Map<String, String> tags = new java.util.TreeMap<>();
    for (int i = 0; i < count; i++) {
      tags.put(String.format("k%03d", i), "v".repeat(valueLength));
    }
    return tags;
  }

  /**
   * A prefix written without the writer's checks: {@code patches} patches "p0".. of length 0, each
   * with {@code tagsEach} tags of a 4-byte key and a value of {@code valueLength} bytes.
   */
  private static byte[] rawPrefix(int patches, int tagsEach, int valueLength) {
    java.io.ByteArrayOutputStream index = new java.io.ByteArrayOutputStream();
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    index.write(patches & 0xff);
    index.write(patches >>> 8);
    for (int p = 0; p < patches; p++) {
      writeString(index, "p" + p);
      index.write(tagsEach & 0xff);
      index.write(tagsEach >>> 8);
      for (int t = 0; t < tagsEach; t++) {
        writeString(index, String.format("k%03d", t));
        writeString(index, "v".repeat(valueLength));
      }
      index.writeBytes(new byte[8]);
    }
    byte[] body = index.toByteArray();
    b.put(new byte[] {'C', 'Q', 'T', 1}).putInt(body.length);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(b.array());
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static void writeString(java.io.ByteArrayOutputStream out, String s) {
    byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.write(utf8.length & 0xff);
    out.write(utf8.length >>> 8);
    out.writeBytes(utf8);
  }
}
