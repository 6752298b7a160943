package io.cachet.crypto.protocol;

import io.cachet.crypto.DataKey;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.HpkeRecipientKey;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.codec.CanonicalWriter;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The last hop of the shares: a key server seals every share it releases in one response
 * together, once, to the requester's ephemeral HPKE key. The HPKE {@code info} binds the request
 * id and each released item's number and context, so a response captured in transit opens for
 * nobody else, and its shares cannot be passed off as the answer to another request or to other
 * items of this one.
 *
 * <p>Share-release format {@value #VERSION} (docs/FORMAT.md section 1):
 * <pre>
 * info      = tag("cachet/share-release/v2") || string8 request id || u8 r
 *             || r x (u8 item || bytes8(share context info))
 * plaintext = u8 r || r x (u8 item || u8 share index || [32] share bytes)
 * </pre>
 * The plaintext is zeroed on both sides once used. {@link #open} refuses a plaintext that does not
 * answer exactly the items it was asked to open, each with its slot's share index.
 */
public final class ShareRelease {
  /** The share-release format; version 1 sealed each share on its own. */
  public static final int VERSION = 2;

  /** The domain tag of the HPKE info; it names the format version. */
  static final String INFO_TAG = "cachet/share-release/v" + VERSION;

  /** Bytes of one released share in the plaintext: item, share index, share bytes. */
  private static final int ENTRY_BYTES = 2 + DataKey.LENGTH;

  /** The reason code of shares that do not open, or open to something but the released items' shares. */
  public static final String BAD_SHARE = "BAD_SHARE";

  private ShareRelease() {}

  /** One released share's place in its response: the item's number in the request, and its context. */
  public record Released(int item, ShareContext context) {
    public Released {
      if (item < 0 || item >= FetchKeyRequest.MAX_ITEMS) {
        throw new IllegalArgumentException("item index out of range: " + item);
      }
      Objects.requireNonNull(context, "context");
    }
  }

  /** The HPKE info binding the request id and every released item's number and context, in order. */
  static byte[] info(String requestId, List<Released> released) {
    checkOrder(released);
    CanonicalWriter w = CanonicalWriter.tagged(INFO_TAG).string8(requestId).u8(released.size());
    for (Released r : released) {
      w.u8(r.item()).bytes8(r.context().info());
    }
    return w.toByteArray();
  }

  /** The plaintext of {@code shares}, answering {@code released} in order; the caller zeroes it. */
  static byte[] plaintext(List<Released> released, List<Share> shares) {
    checkOrder(released);
    if (shares.size() != released.size()) {
      throw new IllegalArgumentException(shares.size() + " shares for " + released.size() + " released items");
    }
    byte[] out = new byte[1 + ENTRY_BYTES * shares.size()];
    out[0] = (byte) shares.size();
    for (int k = 0; k < shares.size(); k++) {
      Share share = shares.get(k);
      ShareContext ctx = released.get(k).context();
      if (share.index() != ctx.index()) {
        throw new IllegalArgumentException("share " + share.index() + " is not for slot " + ctx.index());
      }
      int at = 1 + k * ENTRY_BYTES;
      out[at] = (byte) released.get(k).item();
      out[at + 1] = (byte) share.index();
      byte[] value = share.value();
      System.arraycopy(value, 0, out, at + 2, value.length);
      Arrays.fill(value, (byte) 0);
    }
    return out;
  }

  /**
   * Key-server side: seals {@code shares} (the k-th answering {@code released.get(k)}) to the
   * requester's response key, once for the whole response. The shares are not destroyed here;
   * the plaintext copy is zeroed.
   */
  public static byte[] seal(String requestId, List<Released> released, List<Share> shares,
      HpkeRecipientKey responseKey) {
    if (released.isEmpty()) {
      throw new IllegalArgumentException("nothing released: a response without shares carries no sealed shares");
    }
    byte[] plain = plaintext(released, shares);
    try {
      return responseKey.seal(plain, info(requestId, released));
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * Requester side: opens {@code sealedShares} with the request's ephemeral key, as the answer to
   * exactly {@code released}. Returns the shares in that order, each with its slot's index.
   *
   * @throws CachetSecurityException (reason {@value #BAD_SHARE}) if the bytes do not open under this
   *     request and these items, or open to anything but one share per released item, in order,
   *     each for its item's slot
   */
  public static List<Share> open(byte[] sealedShares, String requestId, List<Released> released,
      HpkeKeyPair responseKey) throws CachetSecurityException {
    if (released.isEmpty()) {
      throw new IllegalArgumentException("no released items to open");
    }
    byte[] info = info(requestId, released);
    byte[] plain = null;
    try {
      try {
        plain = responseKey.open(sealedShares, info);
      } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
        throw new CachetSecurityException(BAD_SHARE, "the shares released by "
            + released.get(0).context().keyServerId() + " do not open for request " + requestId
            + " and its " + released.size() + " released item(s)", e);
      }
      return parse(plain, released, requestId);
    } finally {
      if (plain != null) {
        Arrays.fill(plain, (byte) 0);
      }
    }
  }

  private static List<Share> parse(byte[] plain, List<Released> released, String requestId)
      throws CachetSecurityException {
    String server = released.get(0).context().keyServerId();
    if (plain.length != 1 + ENTRY_BYTES * released.size() || (plain[0] & 0xFF) != released.size()) {
      throw new CachetSecurityException(BAD_SHARE, "the shares released by " + server
          + " for request " + requestId + " are not " + released.size() + " share(s)");
    }
    List<Share> shares = new ArrayList<>(released.size());
    for (int k = 0; k < released.size(); k++) {
      int at = 1 + k * ENTRY_BYTES;
      Released r = released.get(k);
      int item = plain[at] & 0xFF;
      int index = plain[at + 1] & 0xFF;
      if (item != r.item() || index != r.context().index()) {
        shares.forEach(Share::destroy);
        throw new CachetSecurityException(BAD_SHARE, "the share released by " + server
            + " in place " + k + " is for item " + item + " and slot " + index + ", not item " + r.item()
            + " and slot " + r.context().index());
      }
      byte[] value = Arrays.copyOfRange(plain, at + 2, at + ENTRY_BYTES);
      try {
        shares.add(new Share(index, value));
      } finally {
        Arrays.fill(value, (byte) 0);
      }
    }
    return shares;
  }

  private static void checkOrder(List<Released> released) {
    if (released.size() > FetchKeyRequest.MAX_ITEMS) {
      throw new IllegalArgumentException("more than " + FetchKeyRequest.MAX_ITEMS + " released items");
    }
    for (int k = 1; k < released.size(); k++) {
      if (released.get(k).item() <= released.get(k - 1).item()) {
        throw new IllegalArgumentException("released items must be in request order, each once");
      }
    }
  }
}
