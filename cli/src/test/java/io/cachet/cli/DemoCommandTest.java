package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo on the embedded ledger, and its command line. The demo gives Carol a 12 s window that a
 * put, a time lock and Bob's get must fit in, so it does not run beside other classes: it runs last
 * in the main sequence, when those beside it ({@link DemoCommandEvmTest} among them) are done.
 */
@Order(Integer.MAX_VALUE)
class DemoCommandTest {
  @TempDir Path dir;

  /** The whole story on a fresh devnet; the demo itself fails (exit 1) on any outcome it does not expect. */
  @Test
  void demo_tellsTheWholeStory_onAFreshDevnet() throws Exception {
    CommandRun r = CommandRun.of("demo", "--json", "--work-dir", dir.toString(), "--keep");
    assertThat(r.exit()).as(r.err() + r.out()).isEqualTo(ExitCodes.OK);
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertThat(doc.get("ok").asBoolean()).isTrue();
    String all = doc.get("steps").toString();
    assertThat(all)
        .contains("bob: opened")
        .contains("carol: opened")
        .contains("dave: refused").contains("NOT_A_MEMBER")
        .contains("carol, after her window: refused").contains("EXPIRED")
        .contains("bob: refused")
        .contains("LOCKED")
        .contains("dave, after")
        .contains("stopped ks-3, node-0 and node-1")
        .contains("dave, the postscript: opened");
    // each sentence states what the key servers did: two refusals decide a 2-of-3 round, the third is not asked for
    assertThat(all).containsPattern("dave: refused by ks-[123] and ks-[123] \\(NOT_A_MEMBER\\); ks-[123] not needed")
        .doesNotContain("every key server refuses");
    assertThat(dir.resolve("devnet/cachet-network.json")).exists();
  }

  @Test
  void chain_otherThanEmbeddedOrEvm_isAUsageError() {
    CommandRun r = CommandRun.of("demo", "--chain", "solana");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--chain is embedded or evm");
  }

  @Test
  void unknownOption_isAUsageError() {
    CommandRun r = CommandRun.of("demo", "--no-such-option");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("unknown option '--no-such-option'");
  }

  @Test
  void help_listsTheCommandsAndTheExitCodes() {
    CommandRun r = CommandRun.of("--help");
    assertThat(r.exit()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("demo").contains("devnet").contains("policy").contains("put").contains("get")
        .contains("share").contains("audit").contains("Exit codes");
  }

}
