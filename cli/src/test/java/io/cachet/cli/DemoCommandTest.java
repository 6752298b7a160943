package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void demo_tellsTheWholeStory_andExitsZero() {
    Run r = run("demo", "--work-dir", dir.toString(), "--keep");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out())
        .contains("ks-1 + ks-2: shares released, receipts verified")
        .contains("ks-1 + ks-3: shares released, receipts verified")
        .contains("ks-2 + ks-3: shares released, receipts verified")
        .contains("a wrong passphrase is refused")
        .contains("refused (INSUFFICIENT_SHARES)")
        .contains("refused (SEGMENT_AUTH)")
        .contains("the key servers refuse (CONTEXT_MISMATCH)");
    assertThat(dir.resolve("report.txt.cachet")).exists();
    assertThat(dir.resolve("alice.keystore.json")).exists();
  }

  @Test
  void demo_json_printsOneDocumentWithSixSteps() throws Exception {
    Run r = run("demo", "--json", "--work-dir", dir.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertThat(doc.get("ok").asBoolean()).isTrue();
    assertThat(doc.get("steps")).hasSize(6);
  }

  @Test
  void demo_defaultWorkDir_isRemovedAfterwards() throws Exception {
    Run r = run("demo", "--json");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    Path used = Path.of(new ObjectMapper().readTree(r.out()).get("workDir").asText());
    assertThat(Files.exists(used)).isFalse();
  }

  @Test
  void unknownOption_isAUsageError() {
    Run r = run("demo", "--no-such-option");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("Unknown option");
  }

  @Test
  void help_listsTheDemoAndTheExitCodes() {
    Run r = run("--help");
    assertThat(r.exit()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("demo").contains("Exit codes");
  }
}
