package io.cachet.client;

import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.storage.BlobId;

/**
 * A sealed file on the storage network: the blob id to read it by, the envelope's object id, the
 * policy that guards it, its plaintext and stored (envelope) sizes, and the first epoch it may be
 * gone by.
 */
public record StoredObject(BlobId blobId, ObjectId objectId, PolicyId policyId, long plaintextLength,
    long storedLength, long endEpoch) {}
