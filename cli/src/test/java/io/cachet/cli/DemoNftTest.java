package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The demo's NFT is the tests' TestNft: its copied bytecode must not drift from the committed compile. */
class DemoNftTest {
  @Test
  void demoNftBytecode_isTheCommittedTestNft() throws Exception {
    JsonNode committed = new ObjectMapper().readTree(
        Path.of("..", "policy", "src", "test", "resources", "io", "cachet", "policy", "evm", "test-contracts.json")
            .toFile());
    JsonNode copy;
    try (InputStream in = DemoNft.class.getResourceAsStream("demo-nft.json")) {
      copy = new ObjectMapper().readTree(in);
    }
    assertThat(copy.get("compiler").asText()).isEqualTo(committed.get("compiler").asText());
    assertThat(copy.get("bytecode").asText())
        .isEqualTo(committed.get("contracts").get("TestNft").get("bytecode").asText());
  }
}
