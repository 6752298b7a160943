package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One blob id in 64 starts with '-'; the commands must still take it as the blob id. */
class BlobIdArgumentsTest {
  private static final String DASHED = "-DU6JE0DGiv8ZVkdeypx05RDS0Q_XEx6dmIfOD2ckCE";
  private static final String DASHED_O = "-oU6JE0DGiv8ZVkdeypx05RDS0Q_XEx6dmIfOD2ckCE";

  @TempDir Path home;

  private static String[] protect(String... args) {
    return BlobIdArguments.protect(
        Cachet.newCommandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), args);
  }

  @Test
  void dashedBlobIds_moveAfterTheEndOfOptions_inTheirOrder() {
    assertThat(protect(new String[] {"get", DASHED, "-o", "out"}))
        .containsExactly("get", "-o", "out", "--", DASHED);
    assertThat(protect(new String[] {"get", "-o", "out", DASHED_O, "--", "x"}))
        .containsExactly("get", "-o", "out", "--", DASHED_O, "x");
    String[] plain = {"get", "3h9wJArxUnNIT0ShAFM6Zg6JU5GOgr4bTSwfPUV0eSc", "-o", "-", "--range", "0-9"};
    assertThat(protect(plain)).isSameAs(plain);
    // one character short or long, or outside the alphabet: an option, left where it is
    String[] notIds = {"get", DASHED.substring(1), DASHED + "A", "-DU6JE0DGiv8ZVkdeypx05RDS0Q_XEx6dmIfOD2ckC=", "-o", "x"};
    assertThat(protect(notIds)).isSameAs(notIds);
  }

  @Test
  void aDashedValueOfAnOptionThatTakesOne_staysWithItsOption() {
    // the key is the option's value: moved away, it would leave --sequencer-key without one
    assertThat(protect("ledger", "recover", "--sequencer-key", DASHED, "--from", "http://127.0.0.1:9"))
        .containsExactly("ledger", "recover", "--sequencer-key=" + DASHED, "--from", "http://127.0.0.1:9");
    assertThat(protect("get", "-o", DASHED_O, DASHED))
        .containsExactly("get", "-o=" + DASHED_O, "--", DASHED);
    // a flag takes no value, so a dashed id after it is still the command's positional parameter
    assertThat(protect("get", "--json", DASHED, "-o", "out"))
        .containsExactly("get", "--json", "-o", "out", "--", DASHED);
    // an option the command does not have is left for the parser to refuse
    assertThat(protect("get", "--sequencer-key", DASHED))
        .containsExactly("get", "--sequencer-key", "--", DASHED);
    String[] joined = {"ledger", "recover", "--sequencer-key=" + DASHED, "--", "x"};
    assertThat(protect(joined)).isSameAs(joined);
  }

  @Test
  void aDashedKey_isTheOptionsValue_evenWhenItStartsLikeAShortOptionOfTheCommand() {
    // -h and -V are every command's, -o get's; picocli refuses such a value even after '='
    for (String key : new String[] {"-hU6JE0DGiv8ZVkdeypx05RDS0Q_XEx6dmIfOD2ckCE", "-VU6JE0DGiv8ZVkdeypx05RDS0Q_XEx6dmIfOD2ckCE",
        DASHED_O, DASHED}) {
      StringWriter err = new StringWriter();
      int exit = Cachet.newCommandLine(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true))
          .execute("ledger", "recover", "--data", home.resolve("none").toString(), "--ledger", "l", "--sequencer-key",
              key, "--from", "http://127.0.0.1:9");
      // the key was accepted; what is missing is a ledger to recover
      assertThat(err.toString()).as(key).doesNotContainIgnoringCase("expected parameter").contains("recover");
      assertThat(exit).as(key).isEqualTo(ExitCodes.FAILED);
    }
  }

  @Test
  void get_takesADashedBlobId_asItsBlob_evenOneThatStartsLikeAnOption() {
    for (String id : new String[] {DASHED, DASHED_O}) {
      StringWriter err = new StringWriter();
      int exit = Cachet.newCommandLine(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true))
          .execute("get", id, "-o", home.resolve("out").toString(), "--home", home.toString());
      // the blob id was accepted; what is missing is a network to fetch it from
      assertThat(err.toString()).as(id).doesNotContain("Missing required parameter").contains("no network");
      assertThat(exit).isEqualTo(ExitCodes.USAGE);
    }
  }
}
