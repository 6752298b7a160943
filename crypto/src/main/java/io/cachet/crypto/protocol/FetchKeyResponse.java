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

  public static FetchKeyResponse fromJson(byte[] json) throws FormatException {
    return Json.read(json, FetchKeyResponse.class);
  }
}
