package io.cachet.storage;

/**
 * What the publisher answered: the blob id, its unencoded size when the publisher said it, the
 * exclusive end epoch, whether it was certified by an earlier upload, and the on-chain object id
 * and cost when the answer carried them (null and -1 otherwise).
 */
public record StoreResult(BlobId blobId, long size, long endEpoch, boolean alreadyCertified, String objectId,
    long cost) {}
