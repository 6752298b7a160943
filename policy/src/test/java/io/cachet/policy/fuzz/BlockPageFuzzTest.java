package io.cachet.policy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.FormatException;
import io.cachet.policy.Block;
import io.cachet.policy.BlockPage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;

/**
 * A page of blocks as a follower reads it off {@code GET /v1/blocks}: a JSON body from the
 * network, wrapping base64url blocks. A page read is written back the ledger's way and must read
 * to the same blocks. Seeds: {@code BlockPageFuzzTestInputs/}.
 */
class BlockPageFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void read_anyBody_givesPageOrFormatException(byte[] input) throws Exception {
    BlockPage page;
    try {
      page = BlockPage.read(Buffer.buffer(input));
    } catch (FormatException refused) {
      return;
    }
    JsonArray blocks = new JsonArray();
    for (Block b : page.blocks()) {
      blocks.add(Base64.getUrlEncoder().withoutPadding().encodeToString(b.encoded()));
    }
    Buffer again = new JsonObject().put("ledgerId", page.ledgerId()).put("blocks", blocks).toBuffer();
    assertThat(BlockPage.read(again)).isEqualTo(page);
  }
}
