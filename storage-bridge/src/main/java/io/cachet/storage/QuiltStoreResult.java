package io.cachet.storage;

import java.util.List;

/**
 * What storing a quilt gave: the quilt blob's {@link StoreResult} (its blob id is the quilt id)
 * and, per file in the order they were given, its identifier, patch id and the tags sent with it.
 * Every patch id names the quilt blob in {@link #blob()}.
 */
public record QuiltStoreResult(StoreResult blob, List<QuiltPatch> patches) {
  public QuiltStoreResult {
    patches = List.copyOf(patches);
  }
}
