package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.UsageException;
import java.io.IOException;
import java.util.Base64;

/**
 * What a reader needs to open a blob, as one string to paste: {@code cachet1.} and the base64url of
 * a JSON object holding the blob id and the network descriptor (public URLs and public keys only;
 * no secret is ever in it). {@code cachet get} takes it where it takes a blob id.
 */
record ShareToken(String blobId, String network) {
  static final String PREFIX = "cachet1.";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** A token longer than this is not one we made; refuse before decoding. */
  private static final int MAX_LENGTH = 64 * 1024;

  static boolean looksLikeToken(String text) {
    return text.startsWith(PREFIX);
  }

  String encode() {
    try {
      ObjectNode o = MAPPER.createObjectNode();
      o.put("blobId", blobId);
      o.set("network", MAPPER.readTree(network));
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(MAPPER.writeValueAsBytes(o));
    } catch (IOException e) {
      throw new UsageException("the network descriptor is not JSON: " + e.getMessage());
    }
  }

  static ShareToken decode(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new UsageException("a share token is at most " + MAX_LENGTH + " characters");
    }
    try {
      byte[] json = Base64.getUrlDecoder().decode(text.substring(PREFIX.length()));
      JsonNode o = MAPPER.readTree(json);
      if (o == null || !o.path("blobId").isTextual() || !o.path("network").isObject()) {
        throw new UsageException("the share token lacks its blob id or network");
      }
      return new ShareToken(o.get("blobId").asText(), MAPPER.writeValueAsString(o.get("network")));
    } catch (IllegalArgumentException | IOException e) {
      throw new UsageException("not a share token (" + e.getMessage() + "); paste it whole, starting with " + PREFIX);
    }
  }
}
