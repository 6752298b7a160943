package io.cachet.storage;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One file to put in a quilt: its identifier (unique within the quilt; Walrus's rules, checked by
 * {@code quilt.QuiltEntry#checkIdentifier} when the quilt is stored), its tags (kept sorted by
 * key) and its bytes. The source is read once per upload attempt, streamed, never held whole.
 */
public record QuiltFile(String identifier, Map<String, String> tags, BlobSource source) {
  public QuiltFile {
    Objects.requireNonNull(identifier, "identifier");
    Objects.requireNonNull(source, "source");
    tags = tags == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(tags));
  }

  /** A file without tags. */
  public static QuiltFile of(String identifier, BlobSource source) {
    return new QuiltFile(identifier, Map.of(), source);
  }
}
