package io.cachet.storage.quilt;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The index at the front of a Cachet quilt: many small files stored as one blob, each readable
 * alone. Walrus lays a quilt out along its own encoding's columns; Cachet's network encodes in
 * stripes, so a Cachet quilt has its own layout ("Cachet quilt v1"), and only the gateway reads
 * it (clients speak Walrus's quilt routes):
 *
 * <pre>
 * magic     4 bytes  'C' 'Q' 'T' 0x01
 * indexLen  u32 LE   bytes of the index that follows
 * index     count u16 LE, then per patch in quilt order:
 *             idLen u16 LE, identifier (UTF-8)
 *             tagCount u16 LE, then per tag in key order: keyLen u16 LE, key, valueLen u16 LE, value
 *             length u64 LE
 * data      the patches' bytes, in quilt order, back to back
 * </pre>
 *
 * <p>Everything needed to find a patch is in the prefix (magic, length, index), so a reader takes
 * {@link #HEAD_BYTES}, then the rest of the prefix, then exactly the patch's range. Parsing is
 * strict: a prefix written by anyone (a quilt is just a blob, and anyone may store a blob) is
 * accepted only if every field fits, every identifier and tag obeys {@link QuiltEntry}'s rules,
 * identifiers are unique, and nothing trails the last entry. The blob's own size is not known
 * here: a reader checks {@link #quiltLength()} against it. Immutable.
 */
public final class QuiltIndex {
  /** Most patches in one quilt (Walrus's QuiltV1 holds up to 666; a Cachet quilt is not column-bound). */
  public static final int MAX_PATCHES = 10_000;
  /**
   * Largest index a reader accepts, so a hostile prefix cannot make it allocate without bound:
   * {@link #MAX_PATCHES} patches of 12 bytes of lengths and a 256-byte identifier each (2.7 MB),
   * plus {@link #MAX_QUILT_TAG_BYTES} of tags, fit.
   */
  public static final int MAX_INDEX_BYTES = 4 << 20;
  /** Most tags all patches of one quilt carry together (two per patch of a full quilt, and more). */
  public static final int MAX_QUILT_TAGS = 32_768;
  /** Most index bytes all patches' tags take together ({@link QuiltEntry#tagBytes()} summed). */
  public static final int MAX_QUILT_TAG_BYTES = 1 << 20;
  /** The magic and the index length: what a reader takes first. */
  public static final int HEAD_BYTES = 8;

  private static final byte[] MAGIC = {'C', 'Q', 'T', 0x01};

  private final List<QuiltEntry> entries;
  private final Map<String, Integer> positions;
  private final long[] offsets;
  private final byte[] prefix;
  private final long quiltLength;

  private QuiltIndex(List<QuiltEntry> entries, byte[] prefix) {
    this.entries = List.copyOf(entries);
    this.prefix = prefix;
    this.positions = new HashMap<>();
    this.offsets = new long[entries.size()];
    long at = prefix.length;
    for (int i = 0; i < entries.size(); i++) {
      offsets[i] = at;
      at = Math.addExact(at, entries.get(i).length());
      positions.put(entries.get(i).identifier(), i);
    }
    this.quiltLength = at;
  }

  /**
   * The index of a quilt holding {@code entries} in this order.
   *
   * @throws IllegalArgumentException for no entry, more than {@link #MAX_PATCHES}, a repeated
   *     identifier, an index past {@link #MAX_INDEX_BYTES}, or a total length past a long
   */
  public static QuiltIndex of(List<QuiltEntry> entries) {
    checkCount(entries.size());
    Map<String, Boolean> seen = new HashMap<>();
    for (QuiltEntry e : entries) {
      if (seen.put(e.identifier(), true) != null) {
        throw new IllegalArgumentException("quilt patch identifier '" + e.identifier() + "' appears twice");
      }
    }
    long tags = 0;
    long tagBytes = 0;
    for (QuiltEntry e : entries) {
      tags += e.tags().size();
      tagBytes += e.tagBytes();
    }
    if (tags > MAX_QUILT_TAGS || tagBytes > MAX_QUILT_TAG_BYTES) {
      throw new IllegalArgumentException("the quilt's patches carry " + tags + " tags in " + tagBytes
          + " index bytes; a quilt carries at most " + MAX_QUILT_TAGS + " tags in " + MAX_QUILT_TAG_BYTES
          + " bytes: keep fewer tags, or store fewer files per quilt");
    }
    int indexLength = 2;
    for (QuiltEntry e : entries) {
      indexLength = Math.addExact(indexLength, entryLength(e));
      if (indexLength > MAX_INDEX_BYTES) {
        throw new IllegalArgumentException("the quilt's index would take more than " + MAX_INDEX_BYTES
            + " bytes: shorten identifiers and tags, or store fewer files per quilt");
      }
    }
    ByteBuffer b = ByteBuffer.allocate(HEAD_BYTES + indexLength).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putInt(indexLength).putShort((short) entries.size());
    for (QuiltEntry e : entries) {
      putString(b, e.identifier());
      b.putShort((short) e.tags().size());
      for (Map.Entry<String, String> tag : e.tags().entrySet()) {
        putString(b, tag.getKey());
        putString(b, tag.getValue());
      }
      b.putLong(e.length());
    }
    try {
      return new QuiltIndex(entries, b.array());
    } catch (ArithmeticException overflow) {
      throw new IllegalArgumentException("the patches' lengths add up past the largest possible blob");
    }
  }

  /**
   * The whole prefix's length from its first {@link #HEAD_BYTES} bytes (magic and index length).
   *
   * @throws NotAQuiltException if the bytes do not begin with the quilt magic
   * @throws QuiltFormatException if the index length is past {@link #MAX_INDEX_BYTES}
   */
  public static int prefixLength(byte[] head) {
    if (head.length < HEAD_BYTES) {
      throw new NotAQuiltException("the blob is " + head.length + " bytes, too short to be a quilt");
    }
    for (int i = 0; i < MAGIC.length - 1; i++) {
      if (head[i] != MAGIC[i]) {
        throw new NotAQuiltException("the blob is not a quilt (it does not begin with the quilt magic)");
      }
    }
    if (head[3] != MAGIC[3]) {
      throw new NotAQuiltException("the blob is a quilt of layout version " + (head[3] & 0xff)
          + ", which this gateway does not read (it reads version 1)");
    }
    long indexLength = Integer.toUnsignedLong(ByteBuffer.wrap(head, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
    if (indexLength < 2 || indexLength > MAX_INDEX_BYTES) {
      throw new QuiltFormatException("the quilt's index claims " + indexLength + " bytes; an index is 2.."
          + MAX_INDEX_BYTES);
    }
    return HEAD_BYTES + (int) indexLength;
  }

  /**
   * Parses a quilt's whole prefix ({@link #prefixLength} bytes, no more).
   *
   * @throws NotAQuiltException if it does not begin with the magic
   * @throws QuiltFormatException if anything in it breaks the layout or the entry rules
   */
  public static QuiltIndex parse(byte[] prefix) {
    int expected = prefixLength(prefix);
    if (prefix.length != expected) {
      throw new QuiltFormatException("the quilt's prefix is " + expected + " bytes, got " + prefix.length);
    }
    ByteBuffer b = ByteBuffer.wrap(prefix, HEAD_BYTES, prefix.length - HEAD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    try {
      int count = Short.toUnsignedInt(b.getShort());
      checkCount(count);
      List<QuiltEntry> entries = new ArrayList<>(count);
      // The tag limits are checked as the tags are read, before any is kept: a hostile index
      // never makes the reader hold more than the limits allow.
      long quiltTags = 0;
      long quiltTagBytes = 0;
      for (int i = 0; i < count; i++) {
        String identifier = getString(b, "identifier of patch " + i);
        int tagCount = Short.toUnsignedInt(b.getShort());
        if (tagCount > QuiltEntry.MAX_TAGS) {
          throw new QuiltFormatException("patch " + i + " of the quilt claims " + tagCount + " tags; at most "
              + QuiltEntry.MAX_TAGS + " are allowed");
        }
        quiltTags += tagCount;
        if (quiltTags > MAX_QUILT_TAGS) {
          throw new QuiltFormatException("the quilt's patches up to patch " + i + " claim " + quiltTags
              + " tags; a quilt carries at most " + MAX_QUILT_TAGS);
        }
        Map<String, String> tags = new LinkedHashMap<>();
        String previous = null;
        int patchTagBytes = 0;
        for (int t = 0; t < tagCount; t++) {
          int at = b.position();
          String key = getString(b, "tag key of patch " + i);
          String value = getString(b, "tag value of patch " + i);
          patchTagBytes += b.position() - at;
          quiltTagBytes += b.position() - at;
          if (patchTagBytes > QuiltEntry.MAX_TAG_BYTES) {
            throw new QuiltFormatException("the tags of patch " + i + " take more than " + QuiltEntry.MAX_TAG_BYTES
                + " index bytes");
          }
          if (quiltTagBytes > MAX_QUILT_TAG_BYTES) {
            throw new QuiltFormatException("the quilt's tags up to patch " + i + " take more than "
                + MAX_QUILT_TAG_BYTES + " index bytes");
          }
          if (previous != null && previous.compareTo(key) >= 0) {
            throw new QuiltFormatException("the tags of patch " + i + " are not in strict key order");
          }
          previous = key;
          tags.put(key, value);
        }
        long length = b.getLong();
        try {
          entries.add(new QuiltEntry(identifier, tags, length));
        } catch (IllegalArgumentException e) {
          throw new QuiltFormatException("patch " + i + " of the quilt: " + e.getMessage());
        }
      }
      if (b.hasRemaining()) {
        throw new QuiltFormatException(b.remaining() + " bytes trail the quilt's last index entry");
      }
      QuiltIndex index = of(entries);
      if (!Arrays.equals(index.prefix, prefix)) {
        throw new QuiltFormatException("the quilt's index is not in its canonical form");
      }
      return index;
    } catch (BufferUnderflowException e) {
      throw new QuiltFormatException("the quilt's index ends in the middle of an entry");
    } catch (QuiltFormatException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new QuiltFormatException("the quilt's index is invalid: " + e.getMessage());
    }
  }

  public List<QuiltEntry> entries() {
    return entries;
  }

  public int size() {
    return entries.size();
  }

  public QuiltEntry entry(int index) {
    return entries.get(index);
  }

  /** The quilt's first bytes: magic, index length and index. A copy. */
  public byte[] prefix() {
    return prefix.clone();
  }

  public int prefixLength() {
    return prefix.length;
  }

  /** Where patch {@code index}'s bytes start in the quilt blob. */
  public long dataOffset(int index) {
    return offsets[index];
  }

  /** How long the quilt blob is: the prefix and every patch's bytes. */
  public long quiltLength() {
    return quiltLength;
  }

  /** The position of the patch named {@code identifier}, or -1. */
  public int indexOf(String identifier) {
    Integer at = positions.get(identifier);
    return at == null ? -1 : at;
  }

  private static void checkCount(int count) {
    if (count < 1 || count > MAX_PATCHES) {
      throw new IllegalArgumentException("a quilt holds 1.." + MAX_PATCHES + " patches, got " + count);
    }
  }

  private static int entryLength(QuiltEntry e) {
    int length = 2 + QuiltEntry.utf8Length(e.identifier()) + 2 + 8;
    for (Map.Entry<String, String> tag : e.tags().entrySet()) {
      length += 2 + QuiltEntry.utf8Length(tag.getKey()) + 2 + QuiltEntry.utf8Length(tag.getValue());
    }
    return length;
  }

  private static void putString(ByteBuffer b, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    b.putShort((short) utf8.length).put(utf8);
  }

  private static String getString(ByteBuffer b, String what) {
    int length = Short.toUnsignedInt(b.getShort());
    if (length > b.remaining()) {
      throw new QuiltFormatException("the " + what + " claims " + length + " bytes; only " + b.remaining()
          + " remain in the index");
    }
    ByteBuffer slice = b.slice(b.position(), length);
    b.position(b.position() + length);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
    } catch (CharacterCodingException e) {
      throw new QuiltFormatException("the " + what + " is not valid UTF-8");
    }
  }
}
