package io.cachet.crypto;

import io.cachet.crypto.codec.CanonicalWriter;
import java.util.Objects;

/**
 * Everything a sealed share is bound to. Its canonical bytes are the HPKE context info of the
 * share, so a share opens only under the exact ledger, policy, object, threshold, key server and
 * slot it was sealed for: a key server that unseals a share under policy P has proven the share
 * belongs to P.
 */
public record ShareContext(
    int formatVersion,
    String ledgerId,
    PolicyId policyId,
    ObjectId objectId,
    int threshold,
    int shareCount,
    String keyServerId,
    int index) {

  private static final String TAG = "cachet/share/v1";

  public ShareContext {
    if (formatVersion != Envelope.VERSION) {
      throw new IllegalArgumentException("unknown format version " + formatVersion);
    }
    Names.check(ledgerId, "ledgerId");
    Objects.requireNonNull(policyId, "policyId");
    Objects.requireNonNull(objectId, "objectId");
    Shamir.checkThreshold(threshold, shareCount);
    Names.check(keyServerId, "keyServerId");
    if (index < 1 || index > shareCount) {
      throw new IllegalArgumentException("index must be 1.." + shareCount + ", was " + index);
    }
  }

  /** The HPKE context info: a tag, then every field in declaration order. */
  public byte[] info() {
    return CanonicalWriter.tagged(TAG)
        .u8(formatVersion)
        .string8(ledgerId)
        .fixed(policyId.bytes())
        .fixed(objectId.bytes())
        .u8(threshold)
        .u8(shareCount)
        .string8(keyServerId)
        .u8(index)
        .toByteArray();
  }
}
