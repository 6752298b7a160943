package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The demo on anvil. It spends most of its minute asleep until Carol's window closes and the time
 * lock opens (the demo's own timings, 30 s and 45 s, with 8 s for a block to show a change), so it
 * runs beside the other classes, with its own work directory, devnet and ports.
 */
@Execution(ExecutionMode.CONCURRENT)
class DemoCommandEvmTest {
  @TempDir Path dir;

  /** The story on anvil, with the token gate and any-of steps EVM adds; one test, for it takes a minute or two. */
  @Test
  void demoOnEvm_tellsTheWholeStory_withTheTokenGateAndAnyOf() throws Exception {
    CommandRun r = CommandRun.of("demo", "--chain", "evm", "--json", "--work-dir", dir.toString(), "--keep");
    assertThat(r.exit()).as(r.err() + r.out()).isEqualTo(ExitCodes.OK);
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertThat(doc.get("ok").asBoolean()).isTrue();
    String all = doc.get("steps").toString();
    assertThat(all)
        .contains("anvil")
        .contains("bob: opened")
        .contains("carol: opened")
        .contains("dave: refused").contains("NOT_A_MEMBER")
        .contains("carol, after her window: refused").contains("EXPIRED")
        .contains("bob: refused")
        .contains("LOCKED")
        .contains("dave, holding no NFT: refused").contains("NOT_A_HOLDER")
        .contains("dave, holding the NFT: opened")
        .contains("dave, after passing it on: refused")
        .contains("carol, holding the NFT: opened")
        .contains("carol, through the NFT: opened")
        .contains("dave, neither listed nor holding: refused")
        .contains("dave, once listed: opened")
        .contains("dave, the postscript: opened");
    JsonNode descriptor = new ObjectMapper().readTree(dir.resolve("devnet/cachet-network.json").toFile());
    assertThat(descriptor.get("chain").get("kind").asText()).isEqualTo("evm");
  }
}
