package io.cachet.crypto.protocol;

import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.HpkeRecipientKey;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.ShareUnsealException;
import io.cachet.crypto.codec.CanonicalWriter;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * The last hop of a share: the key server re-seals an unsealed share to the requester's
 * ephemeral HPKE key, with the request id bound into the context, so a response captured in
 * transit opens for nobody else and cannot be passed off as the answer to another request.
 */
public final class ShareRelease {
  private ShareRelease() {}

  static byte[] info(ShareContext context, String requestId) {
    return CanonicalWriter.tagged("cachet/share-release/v1")
        .string8(requestId)
        .bytes8(context.info())
        .toByteArray();
  }

  /** Key-server side: seal {@code share} to the requester's response key. */
  public static byte[] reseal(Share share, ShareContext context, String requestId, HpkeRecipientKey responseKey) {
    if (share.index() != context.index()) {
      throw new IllegalArgumentException("share " + share.index() + " is not for slot " + context.index());
    }
    byte[] value = share.value();
    try {
      return responseKey.seal(value, info(context, requestId));
    } finally {
      Arrays.fill(value, (byte) 0);
    }
  }

  /** Requester side: open a released share with the ephemeral key of the request. */
  public static Share open(byte[] releasedShare, ShareContext context, String requestId, HpkeKeyPair responseKey)
      throws ShareUnsealException {
    byte[] value = null;
    try {
      value = responseKey.open(releasedShare, info(context, requestId));
      return new Share(context.index(), value);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new ShareUnsealException("the share released by " + context.keyServerId() + " for slot "
          + context.index() + " does not open for request " + requestId, e);
    } finally {
      if (value != null) {
        Arrays.fill(value, (byte) 0);
      }
    }
  }
}
