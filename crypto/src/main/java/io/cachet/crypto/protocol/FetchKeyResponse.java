package io.cachet.crypto.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Names;
import io.cachet.crypto.codec.Json;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The answer to a {@link FetchKeyRequest}: one {@link ItemResult} per item, in request order; the
 * shares of every released item sealed together once ({@link ShareRelease}), null when nothing
 * was released; and one {@link Receipt} covering every item, signed by the key server.
 *
 * <p>The response itself is not signed: {@link ResponseCheck} holds it against its request and
 * its receipt before any share is opened.
 *
 * <p>Format {@value #VERSION}: the JSON names its {@code version}; a document without one is a
 * version 1 response (a share and a receipt per released item), refused with a message naming
 * that version.
 */
public record FetchKeyResponse(
    int version,
    String requestId,
    String keyServerId,
    long ledgerHeight,
    List<ItemResult> items,
    byte[] sealedShares,
    Receipt receipt) {

  /** The response format this build writes and reads; version 1 sealed and signed each item on its own. */
  public static final int VERSION = 2;

  /** Fields a version 1 response had, by which a document without {@code version} is told to be one. */
  private static final Set<String> V1_FIELDS = Set.of("requestId", "keyServerId", "ledgerHeight", "items");

  public FetchKeyResponse {
    if (version != VERSION) {
      throw new IllegalArgumentException(versionMessage(version));
    }
    FetchKeyRequest.checkRequestId(requestId);
    Names.check(keyServerId, "keyServerId");
    if (ledgerHeight < 0) {
      throw new IllegalArgumentException("ledgerHeight must not be negative");
    }
    items = List.copyOf(items);
    if (items.isEmpty() || items.size() > FetchKeyRequest.MAX_ITEMS) {
      throw new IllegalArgumentException("a response answers 1.." + FetchKeyRequest.MAX_ITEMS + " items, not "
          + items.size());
    }
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i).item() != i) {
        throw new IllegalArgumentException("item results must be in request order");
      }
    }
    boolean anyReleased = items.stream().anyMatch(ItemResult::isReleased);
    if (anyReleased != (sealedShares != null)) {
      throw new IllegalArgumentException(anyReleased ? "released items need sealedShares"
          : "sealedShares without a released item");
    }
    sealedShares = sealedShares == null ? null : sealedShares.clone();
    Objects.requireNonNull(receipt, "receipt");
  }

  /** A response of this format version. */
  public static FetchKeyResponse of(String requestId, String keyServerId, long ledgerHeight, List<ItemResult> items,
      byte[] sealedShares, Receipt receipt) {
    return new FetchKeyResponse(VERSION, requestId, keyServerId, ledgerHeight, items, sealedShares, receipt);
  }

  @Override
  public byte[] sealedShares() {
    return sealedShares == null ? null : sealedShares.clone();
  }

  /** How many items were released. */
  @JsonIgnore
  public int releasedCount() {
    return (int) items.stream().filter(ItemResult::isReleased).count();
  }

  public String toJson() {
    return Json.write(this);
  }

  /**
   * Parses a response. A document of another response format version (version 1 when it declares
   * none), or carrying a receipt of another format version, is refused with a message naming that
   * version.
   */
  public static FetchKeyResponse fromJson(byte[] json) throws FormatException {
    try {
      return Json.read(json, FetchKeyResponse.class);
    } catch (FormatException e) {
      int declared = DeclaredVersion.of(json, V1_FIELDS);
      if (declared != VERSION && declared != DeclaredVersion.UNREADABLE) {
        throw new FormatException(versionMessage(declared), e);
      }
      int receipt = Receipt.declaredVersionIn(json);
      if (declared == VERSION && receipt != Receipt.VERSION && receipt != DeclaredVersion.UNREADABLE) {
        throw new FormatException(Receipt.versionMessage(receipt), e);
      }
      throw e;
    }
  }

  static String versionMessage(int version) {
    return "fetch_key response format version " + version + " is not supported; this build reads version "
        + VERSION + (version < VERSION ? " (one sealing of the released shares and one receipt covering every"
            + " item): upgrade the key server" : "");
  }
}
