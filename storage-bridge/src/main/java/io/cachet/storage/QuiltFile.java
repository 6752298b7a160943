package io.cachet.storage;

import io.cachet.storage.quilt.QuiltEntry;
import io.cachet.storage.quilt.QuiltIndex;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One file to put in a quilt: its identifier (unique within the quilt; the rules are {@link
 * #checkQuilt}'s), its tags (kept sorted by key) and its bytes. The source is read once per upload
 * attempt, streamed, never held whole.
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

  /**
   * Checks a quilt's files as a Cachet gateway will, so that a bad one fails before anything is
   * read or sent: 1 to {@link QuiltIndex#MAX_PATCHES} files; identifiers and tags as {@link
   * QuiltEntry} and {@link QuiltIndex#of} require (Walrus's identifier rules and no leading
   * {@code _}, unique, tags within their limit, the index within its own); and no {@code "} or
   * {@code \} in an identifier, which a multipart field name cannot carry in a way every server
   * reads alike.
   *
   * @throws IllegalArgumentException naming the file and the rule it breaks
   */
  public static void checkQuilt(List<QuiltFile> files) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("a quilt needs at least one file");
    }
    if (files.size() > QuiltIndex.MAX_PATCHES) {
      throw new IllegalArgumentException("a quilt holds at most " + QuiltIndex.MAX_PATCHES + " files, not "
          + files.size() + ": store them as several quilts");
    }
    List<QuiltEntry> entries = new ArrayList<>(files.size());
    for (int i = 0; i < files.size(); i++) {
      QuiltFile f = files.get(i);
      String id = f.identifier();
      try {
        QuiltEntry.checkIdentifier(id);
        if (id.indexOf('"') >= 0 || id.indexOf('\\') >= 0) {
          throw new IllegalArgumentException("an identifier with '\"' or '\\' cannot be sent as a multipart field"
              + " name that every server reads alike; rename the file");
        }
        entries.add(new QuiltEntry(id, f.tags(), Math.max(0, f.source().length())));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("quilt file " + (i + 1) + " of " + files.size() + ": " + e.getMessage(), e);
      }
    }
    QuiltIndex.of(entries);
  }
}
