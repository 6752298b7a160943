package io.cachet.storage.quilt;

import io.cachet.storage.Printable;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One patch as a quilt's index records it: its identifier, its tags, and how many bytes it holds.
 * The tags are kept sorted by key, as the index writes them.
 *
 * <p>Identifiers follow Walrus's rule (1 to 65,535 UTF-8 bytes, no control characters, no trailing
 * whitespace) and the quilt API's (no leading {@code _}: the form field {@code _metadata} and any
 * future reserved names start with it; not {@code .} or {@code ..}, which no URL path can carry, so
 * such a patch could not be read by its identifier). Tags: keys of at least one character, at most
 * {@link #MAX_TAGS} per patch, and at most {@link #MAX_TAG_BYTES} index bytes per patch together
 * (each tag's key, value and their two length fields), so an index a reader parses cannot hold an
 * unbounded number of small tags.
 */
public record QuiltEntry(String identifier, Map<String, String> tags, long length) {
  public static final int MAX_IDENTIFIER_BYTES = 0xFFFF;
  /** Most bytes one patch's tags take in the index: keys, values and 4 bytes of lengths per tag. */
  public static final int MAX_TAG_BYTES = 64 * 1024;
  /** Most tags on one patch (Walrus's tags are a few headers and labels per file). */
  public static final int MAX_TAGS = 64;
  /** The index bytes a tag takes besides its key and value: their two u16 lengths. */
  static final int TAG_OVERHEAD = 4;

  public QuiltEntry {
    checkIdentifier(identifier);
    Objects.requireNonNull(tags, "tags");
    if (length < 0) {
      throw new IllegalArgumentException("patch '" + identifier + "' has a negative length: " + length);
    }
    if (tags.size() > MAX_TAGS) {
      throw new IllegalArgumentException("patch '" + Printable.of(identifier) + "' has " + tags.size()
          + " tags; at most " + MAX_TAGS + " are allowed");
    }
    TreeMap<String, String> sorted = new TreeMap<>();
    long bytes = 0;
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      String key = Objects.requireNonNull(tag.getKey(), "tag key");
      String value = Objects.requireNonNull(tag.getValue(), "tag value of " + key);
      if (key.isEmpty()) {
        throw new IllegalArgumentException("patch '" + identifier + "' has a tag with an empty key");
      }
      bytes += TAG_OVERHEAD + utf8Length(key) + utf8Length(value);
      sorted.put(key, value);
    }
    if (bytes > MAX_TAG_BYTES) {
      throw new IllegalArgumentException("the tags of patch '" + Printable.of(identifier) + "' take " + bytes
          + " index bytes; at most " + MAX_TAG_BYTES + " are allowed");
    }
    tags = Collections.unmodifiableMap(sorted);
  }

  /** The bytes this patch's tags take in the index: keys, values and their length fields. */
  public int tagBytes() {
    int bytes = 0;
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      bytes += TAG_OVERHEAD + utf8Length(tag.getKey()) + utf8Length(tag.getValue());
    }
    return bytes;
  }

  public QuiltEntry(String identifier, long length) {
    this(identifier, Map.of(), length);
  }

  /** Refuses an identifier a quilt may not carry, naming the rule it breaks. */
  public static void checkIdentifier(String identifier) {
    if (identifier == null || identifier.isEmpty()) {
      throw new IllegalArgumentException("a quilt patch identifier may not be empty");
    }
    if (identifier.startsWith("_")) {
      throw new IllegalArgumentException("quilt patch identifier '" + identifier
          + "' starts with '_', which is reserved (as _metadata)");
    }
    if (identifier.equals(".") || identifier.equals("..")) {
      throw new IllegalArgumentException("quilt patch identifier '" + identifier + "' is a dot segment, which"
          + " no URL path can carry: a Cachet quilt refuses it (rename the file); a patch so named in a Walrus"
          + " quilt cannot be read by its identifier, read it by its patch id");
    }
    if (utf8Length(identifier) > MAX_IDENTIFIER_BYTES) {
      throw new IllegalArgumentException("a quilt patch identifier is at most " + MAX_IDENTIFIER_BYTES
          + " UTF-8 bytes, got " + utf8Length(identifier));
    }
    if (identifier.codePoints().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("quilt patch identifier '" + Printable.of(identifier)
          + "' contains a control character");
    }
    int last = identifier.codePointBefore(identifier.length());
    if (Character.isWhitespace(last) || Character.isSpaceChar(last)) {
      throw new IllegalArgumentException("quilt patch identifier '" + identifier + "' ends in whitespace");
    }
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(identifier)) {
      throw new IllegalArgumentException("quilt patch identifier '" + Printable.of(identifier)
          + "' is not valid Unicode (an unpaired surrogate)");
    }
  }

  static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
