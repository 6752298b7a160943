package io.cachet.policy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.FormatException;
import io.cachet.policy.Block;

/**
 * A block as a follower reads it from the ledger and the ledger reads it back from its journal.
 * An accepted block re-encodes to exactly its bytes. Seeds: {@code BlockFuzzTestInputs/}.
 */
class BlockFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void decode_anyBytes_givesCanonicalBlockOrFormatException(byte[] input) throws Exception {
    Block block;
    try {
      block = Block.decode(input);
    } catch (FormatException refused) {
      return;
    }
    assertThat(block.encoded()).as("an accepted block is canonical").isEqualTo(input);
    assertThat(Block.decode(block.encoded())).isEqualTo(block);
    assertThat(block.hash()).hasSize(32);
  }
}
