package io.cachet.storage;

import io.cachet.storage.quilt.QuiltPatchId;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A file in a stored quilt, as the network names it: its identifier, the patch id that reads it
 * alone ({@code GET /v1/blobs/by-quilt-patch-id/{id}}) and its tags, sorted by key.
 */
public record QuiltPatch(String identifier, QuiltPatchId patchId, Map<String, String> tags) {
  public QuiltPatch {
    Objects.requireNonNull(identifier, "identifier");
    Objects.requireNonNull(patchId, "patchId");
    tags = tags == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(tags));
  }

  /** The quilt's blob id: the first 32 bytes of the patch id. */
  public BlobId quiltId() {
    return patchId.quiltId();
  }
}
