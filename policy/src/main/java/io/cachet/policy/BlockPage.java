package io.cachet.policy;

import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A page of blocks as the ledger serves it on {@code GET /v1/blocks} and a follower reads it:
 * {@code {"ledgerId": ..., "head": ..., "blocks": [base64url block, ...]}}. Only the shape is read
 * here; whether the blocks follow each other, are signed and belong to the ledger is the chain
 * validator's job.
 *
 * <p>Guarantee: {@link #read} throws nothing but {@link FormatException} on any body, since the
 * body comes from the network.
 */
public record BlockPage(String ledgerId, List<Block> blocks) {
  public BlockPage {
    blocks = List.copyOf(blocks);
  }

  /** Reads a page; any body that is not one, or holds a block that does not decode, is a {@link FormatException}. */
  public static BlockPage read(Buffer body) throws FormatException {
    Object root;
    try {
      root = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new FormatException("block page: not JSON (" + e.getMessage() + ")", e);
    }
    if (!(root instanceof JsonObject page)) {
      throw new FormatException("block page: not a JSON object");
    }
    if (!(page.getValue("ledgerId") instanceof String ledgerId)) {
      throw new FormatException("block page: no ledger id");
    }
    if (!(page.getValue("blocks") instanceof JsonArray encoded)) {
      throw new FormatException("block page: no list of blocks");
    }
    List<Block> blocks = new ArrayList<>(encoded.size());
    for (int i = 0; i < encoded.size(); i++) {
      if (!(encoded.getValue(i) instanceof String text)) {
        throw new FormatException("block page: block " + i + " is not a string");
      }
      blocks.add(Block.decode(Base64Url.decode(text, "block")));
    }
    return new BlockPage(ledgerId, blocks);
  }
}
