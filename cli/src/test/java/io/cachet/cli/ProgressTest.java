package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ProgressTest {
  /** Reads {@code size} bytes through a forced bar on a stderr that is no terminal; returns what it drew. */
  static String drawn(long size) throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Invocation run = new Invocation(Map.of(), Path.of("."), new ByteArrayInputStream(new byte[0]),
        new ByteArrayOutputStream(), new PrintStream(err, true, StandardCharsets.UTF_8), false);
    Progress p = new Progress();
    new CommandLine(new Object() {
      @CommandLine.Mixin Progress progress = p;
    }).parseArgs("--progress");
    Invocation.call(run, () -> {
      try (InputStream in = p.wrap(new ByteArrayInputStream(new byte[(int) size]), "put", size, false)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return null;
    });
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aTinyFile_getsNoBar() throws Exception {
    assertThat(drawn(26)).isEmpty();
  }

  /** Repeated: a quick transfer may end before the bar's first draw, and must still leave its one line. */
  @RepeatedTest(10)
  void aFileOfAFewHundredKib_countsInKib_andDrawsOneFinalLine() throws Exception {
    String out = drawn(600 * 1024);
    assertThat(out).contains("600/600 KiB").doesNotContain("MiB").doesNotContain("\r");
    assertThat(out.lines()).hasSize(1);
  }

  @Test
  void unit_followsTheSize() {
    assertThat(Progress.unitFor(26)).isNull();
    assertThat(Progress.unitFor(1 << 20).name()).isEqualTo(" KiB");
    assertThat(Progress.unitFor(100L << 20).name()).isEqualTo(" MiB");
    assertThat(Progress.unitFor(20L << 30).name()).isEqualTo(" GiB");
  }
}
