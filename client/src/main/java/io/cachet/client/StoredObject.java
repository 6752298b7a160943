package io.cachet.client;

import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.storage.BlobId;
import java.util.List;

/**
 * A sealed file on the storage network: the blob id to read it by, the envelope's object id, the
 * policy that guards it, its plaintext and stored (envelope) sizes, the first epoch it may be gone
 * by, and what the putter should know (empty when they can open it themselves now).
 */
public record StoredObject(BlobId blobId, ObjectId objectId, PolicyId policyId, long plaintextLength,
    long storedLength, long endEpoch, List<SealWarning> warnings) {
  public StoredObject {
    warnings = List.copyOf(warnings);
  }
}
