package io.cachet.storage.quilt;

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
 * future reserved names start with it). Tags: keys of at least one character, and all keys and
 * values of one patch at most {@link #MAX_TAG_BYTES} UTF-8 bytes together.
 */
public record QuiltEntry(String identifier, Map<String, String> tags, long length) {
  public static final int MAX_IDENTIFIER_BYTES = 0xFFFF;
  public static final int MAX_TAG_BYTES = 64 * 1024;

  public QuiltEntry {
    checkIdentifier(identifier);
    Objects.requireNonNull(tags, "tags");
    if (length < 0) {
      throw new IllegalArgumentException("patch '" + identifier + "' has a negative length: " + length);
    }
    TreeMap<String, String> sorted = new TreeMap<>();
    long bytes = 0;
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      String key = Objects.requireNonNull(tag.getKey(), "tag key");
      String value = Objects.requireNonNull(tag.getValue(), "tag value of " + key);
      if (key.isEmpty()) {
        throw new IllegalArgumentException("patch '" + identifier + "' has a tag with an empty key");
      }
      bytes += utf8Length(key) + utf8Length(value);
      sorted.put(key, value);
    }
    if (bytes > MAX_TAG_BYTES) {
      throw new IllegalArgumentException("the tags of patch '" + identifier + "' take " + bytes
          + " bytes; at most " + MAX_TAG_BYTES + " are allowed");
    }
    tags = Collections.unmodifiableMap(sorted);
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
    if (utf8Length(identifier) > MAX_IDENTIFIER_BYTES) {
      throw new IllegalArgumentException("a quilt patch identifier is at most " + MAX_IDENTIFIER_BYTES
          + " UTF-8 bytes, got " + utf8Length(identifier));
    }
    if (identifier.codePoints().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("quilt patch identifier '" + printable(identifier)
          + "' contains a control character");
    }
    int last = identifier.codePointBefore(identifier.length());
    if (Character.isWhitespace(last) || Character.isSpaceChar(last)) {
      throw new IllegalArgumentException("quilt patch identifier '" + identifier + "' ends in whitespace");
    }
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(identifier)) {
      throw new IllegalArgumentException("quilt patch identifier '" + printable(identifier)
          + "' is not valid Unicode (an unpaired surrogate)");
    }
  }

  static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(c -> {
      if (Character.isISOControl(c) || Character.isSurrogate((char) c)) {
        b.append(String.format("\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }
}
