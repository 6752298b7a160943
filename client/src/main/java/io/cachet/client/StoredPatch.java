package io.cachet.client;

import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.storage.BlobId;
import io.cachet.storage.quilt.QuiltPatchId;
import java.util.List;
import java.util.Objects;

/**
 * One sealed file of a quilt on the storage network: its identifier in the quilt, the patch id to
 * open it by, its own envelope's object id (its own data key, so opening it releases that key
 * only), the policy that guards it, its plaintext and stored (envelope) sizes, the first epoch the
 * quilt may be gone by, and what the putter should know (empty when they can open it now).
 */
public record StoredPatch(String identifier, QuiltPatchId patchId, ObjectId objectId, PolicyId policyId,
    long plaintextLength, long storedLength, long endEpoch, List<SealWarning> warnings) {
  public StoredPatch {
    Objects.requireNonNull(identifier, "identifier");
    Objects.requireNonNull(patchId, "patchId");
    warnings = List.copyOf(warnings);
  }

  /** The quilt's blob id: what all files put together share. */
  public BlobId quiltId() {
    return patchId.quiltId();
  }
}
