package io.cachet.storage.walrus;

import com.fasterxml.jackson.databind.JsonNode;
import io.cachet.storage.BlobId;
import io.cachet.storage.PatchStream;
import io.cachet.storage.QuiltFile;
import io.cachet.storage.QuiltPatch;
import io.cachet.storage.QuiltStoreResult;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreResult;
import io.cachet.storage.quilt.QuiltEntry;
import io.cachet.storage.quilt.QuiltIndex;
import io.cachet.storage.quilt.QuiltPatchId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The quilt side of the Walrus HTTP API for {@link WalrusBlobStore}: what is checked before a
 * quilt is sent, and what the publisher's and aggregator's quilt answers must say. Tolerant as
 * {@link WalrusAnswers} is (unknown fields ignored, camelCase or snake_case keys), strict on what
 * the store relies on: every patch id parses and names the quilt it belongs to, and a store answer
 * names each file sent exactly once. Everything from the network fails as a {@link
 * StorageException}; caller mistakes as IllegalArgumentException.
 */
final class QuiltAnswers {
  private QuiltAnswers() {}

  /**
   * Longest patch list read: four times the largest index ({@link QuiltIndex#MAX_INDEX_BYTES}).
   * The worst a Cachet quilt's list can be is about three: identifiers of quotes escape to two
   * bytes each, a quilt's 1 MiB of tags of control characters to six ({@code \u0001}), plus a
   * 50-character patch id per patch; the rest is room for another aggregator's spacing.
   */
  static final int MAX_LIST_BYTES = 4 * QuiltIndex.MAX_INDEX_BYTES;

  /** The tags an aggregator may echo as headers (Walrus's default allowed headers, less authorization). */
  static final List<String> HEADER_TAGS = List.of("content-type", "content-disposition", "content-encoding",
      "content-language", "content-location", "link");

  private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

  // ---------------------------------------------------------------- before sending

  /**
   * {@code identifier} as one URL path segment: percent-encoded UTF-8 but for RFC 3986's
   * unreserved characters.
   *
   * @throws IllegalArgumentException if it is no valid identifier, or is "." or ".."
   */
  static String pathSegment(String identifier) {
    QuiltEntry.checkIdentifier(identifier);
    if (identifier.equals(".") || identifier.equals("..")) {
      throw new IllegalArgumentException("the identifier \"" + identifier + "\" cannot be sent in a URL path"
          + " (servers and proxies resolve it as a relative segment); read it by its patch id");
    }
    StringBuilder s = new StringBuilder();
    for (byte b : identifier.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == '~') {
        s.append((char) c);
      } else {
        s.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return s.toString();
  }

  // ---------------------------------------------------------------- publisher

  /**
   * A 2xx answer to {@code PUT /v1/quilts}: {@code blobStoreResult} (read as a blob store answer)
   * and {@code storedQuiltBlobs}, returned in the order of {@code files}.
   *
   * @throws StorageException PROTOCOL when a field is missing or of the wrong type, a patch id does
   *     not parse or names another quilt, or the identifiers are not exactly those sent; what the
   *     blob store answer's own failures map to
   */
  static QuiltStoreResult storeResult(int status, byte[] body, List<QuiltFile> files) throws StorageException {
    JsonNode root = WalrusAnswers.parse(status, body, "publisher's quilt answer");
    JsonNode blob = WalrusAnswers.field(root, "blobStoreResult");
    if (blob == null || !blob.isObject()) {
      throw WalrusAnswers.protocol(status, "publisher's quilt answer has no blobStoreResult object");
    }
    StoreResult stored = WalrusAnswers.storeResult(status, blob, -1);
    JsonNode list = WalrusAnswers.field(root, "storedQuiltBlobs");
    if (list == null || !list.isArray()) {
      throw WalrusAnswers.protocol(status, "publisher's quilt answer has no storedQuiltBlobs array");
    }
    Map<String, QuiltPatchId> byIdentifier = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "storedQuiltBlobs[" + i + "]";
      JsonNode item = list.get(i);
      String identifier = text(status, item, path, "identifier");
      QuiltPatchId id = patchId(status, item, path, "quiltPatchId", stored.blobId());
      if (byIdentifier.put(identifier, id) != null) {
        throw WalrusAnswers.protocol(status, path + " names \"" + WalrusAnswers.quote(identifier) + "\" again");
      }
    }
    List<QuiltPatch> patches = new ArrayList<>(files.size());
    for (QuiltFile f : files) {
      QuiltPatchId id = byIdentifier.remove(f.identifier());
      if (id == null) {
        throw WalrusAnswers.protocol(status, "publisher's quilt answer has no patch for \""
            + WalrusAnswers.quote(f.identifier()) + "\"" + (byIdentifier.isEmpty() ? "" : "; it names \""
            + WalrusAnswers.quote(String.join("\", \"", byIdentifier.keySet())) + "\" that were not sent"));
      }
      patches.add(new QuiltPatch(f.identifier(), id, f.tags()));
    }
    if (!byIdentifier.isEmpty()) {
      throw WalrusAnswers.protocol(status, "publisher's quilt answer names patches that were not sent: \""
          + WalrusAnswers.quote(String.join("\", \"", byIdentifier.keySet())) + "\"");
    }
    return new QuiltStoreResult(stored, patches);
  }

  // ---------------------------------------------------------------- aggregator

  /** A 200 answer to a patch read as a {@link PatchStream}: identifier and echoed tags from the headers. */
  static PatchStream patchStream(Answer answer, InputStream body) throws StorageException {
    Map<String, String> tags = new LinkedHashMap<>();
    for (String name : HEADER_TAGS) {
      answer.header(name).ifPresent(v -> tags.put(name, v));
    }
    if (DEFAULT_CONTENT_TYPE.equalsIgnoreCase(tags.getOrDefault("content-type", DEFAULT_CONTENT_TYPE).trim())) {
      tags.remove("content-type");
    }
    String identifier = answer.header("X-Quilt-Patch-Identifier").orElse(null);
    return new PatchStream(body, identifier, answer.contentLength(), tags);
  }

  /**
   * A 200 answer to {@code GET /v1/quilts/{quilt}/patches}: a JSON array of {@code identifier},
   * {@code patch_id} (or {@code patchId}) and {@code tags} (a string-to-string object, may be
   * absent), read up to {@link #MAX_LIST_BYTES}.
   */
  static List<QuiltPatch> patches(int status, InputStream body, BlobId quilt) throws IOException {
    Answer.Capped capped;
    try (body) {
      capped = Answer.Capped.read(body, MAX_LIST_BYTES);
    }
    if (capped.truncated()) {
      throw WalrusAnswers.protocol(status, "the aggregator's patch list of quilt " + quilt + " is longer than "
          + MAX_LIST_BYTES + " bytes, more than any quilt's index can make");
    }
    JsonNode root = WalrusAnswers.parseAny(status, capped.bytes(), "aggregator's patch list");
    if (!root.isArray()) {
      throw WalrusAnswers.protocol(status, "aggregator's patch list is a JSON "
          + root.getNodeType().name().toLowerCase(Locale.ROOT) + ", not an array");
    }
    List<QuiltPatch> out = new ArrayList<>(root.size());
    for (int i = 0; i < root.size(); i++) {
      String path = "[" + i + "]";
      JsonNode item = root.get(i);
      String identifier = text(status, item, path, "identifier");
      QuiltPatchId id = patchId(status, item, path, "patchId", quilt);
      out.add(new QuiltPatch(identifier, id, tags(status, item, path)));
    }
    return out;
  }

  // ---------------------------------------------------------------- fields

  private static String text(int status, JsonNode item, String path, String name) throws StorageException {
    if (!item.isObject()) {
      throw WalrusAnswers.protocol(status, path + " is not an object");
    }
    JsonNode v = WalrusAnswers.field(item, name);
    if (v == null || !v.isTextual()) {
      throw WalrusAnswers.protocol(status, path + "." + name + (v == null ? " is missing" : " is not a string"));
    }
    return v.textValue();
  }

  private static QuiltPatchId patchId(int status, JsonNode item, String path, String name, BlobId quilt)
      throws StorageException {
    String text = text(status, item, path, name);
    QuiltPatchId id;
    try {
      id = QuiltPatchId.parse(text);
    } catch (IllegalArgumentException e) {
      throw new StorageException(Reason.PROTOCOL, status, path + "." + name + " is not a quilt patch id ("
          + WalrusAnswers.quote(e.getMessage()) + "): " + WalrusAnswers.quote(text), e);
    }
    if (!id.quiltId().equals(quilt)) {
      throw WalrusAnswers.protocol(status, path + "." + name + " " + text + " names quilt " + id.quiltId()
          + ", not " + quilt);
    }
    return id;
  }

  private static Map<String, String> tags(int status, JsonNode item, String path) throws StorageException {
    JsonNode tags = WalrusAnswers.field(item, "tags");
    if (tags == null) {
      return Map.of();
    }
    if (!tags.isObject()) {
      throw WalrusAnswers.protocol(status, path + ".tags is not an object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = tags.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw WalrusAnswers.protocol(status, path + ".tags." + WalrusAnswers.quote(e.getKey()) + " is not a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }
}
