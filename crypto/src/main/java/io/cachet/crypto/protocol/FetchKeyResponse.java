package io.cachet.crypto.protocol;

import io.cachet.crypto.FormatException;
import io.cachet.crypto.Names;
import io.cachet.crypto.codec.Json;
import java.util.List;

/** The answer to a {@link FetchKeyRequest}: one {@link ItemResult} per item, in request order. */
public record FetchKeyResponse(String requestId, String keyServerId, long ledgerHeight, List<ItemResult> items) {
  public FetchKeyResponse {
    FetchKeyRequest.checkRequestId(requestId);
    Names.check(keyServerId, "keyServerId");
    if (ledgerHeight < 0) {
      throw new IllegalArgumentException("ledgerHeight must not be negative");
    }
    items = List.copyOf(items);
    if (items.size() > FetchKeyRequest.MAX_ITEMS) {
      throw new IllegalArgumentException("more than " + FetchKeyRequest.MAX_ITEMS + " items");
    }
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i).item() != i) {
        throw new IllegalArgumentException("item results must be in request order");
      }
    }
  }

  public String toJson() {
    return Json.write(this);
  }

  /**
   * Parses a response. One carrying a receipt of another format version is refused with a
   * message naming that version (an old key server's receipts sign no ledger id).
   */
  public static FetchKeyResponse fromJson(byte[] json) throws FormatException {
    try {
      return Json.read(json, FetchKeyResponse.class);
    } catch (FormatException e) {
      int declared = Receipt.declaredVersionIn(json);
      if (declared != Receipt.VERSION && declared != DeclaredVersion.UNREADABLE) {
        throw new FormatException(Receipt.versionMessage(declared), e);
      }
      throw e;
    }
  }
}
