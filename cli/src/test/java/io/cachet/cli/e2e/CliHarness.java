package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code cachet} command run in this JVM as a person types it, with one state directory and
 * one passphrase file, capturing exactly what the person would see on stdout and stderr.
 */
final class CliHarness {
  private final Path home;
  private final Path passphraseFile;

  CliHarness(Path home, Path passphraseFile) {
    this.home = home;
    this.passphraseFile = passphraseFile;
  }

  /** One command's exit code and output. */
  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return new ObjectMapper().readTree(out);
    }
  }

  /** The same person and passphrase, another state directory. */
  CliHarness withHome(Path other) {
    return new CliHarness(other, passphraseFile);
  }

  Run cachet(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.add("--home");
    all.add(home.toString());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  Run ok(String... args) {
    Run r = cachet(args);
    assertThat(r.exit()).as("cachet %s: %s", String.join(" ", args), r.err()).isEqualTo(ExitCodes.OK);
    return r;
  }

  /** {@code args} acting as the identity {@code who}. */
  Run as(String who, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--as", who, "--passphrase-file", passphraseFile.toString()));
    return cachet(all.toArray(String[]::new));
  }

  /** As {@link #as}, failing the test unless the command succeeds. */
  Run okAs(String who, String... args) {
    Run r = as(who, args);
    assertThat(r.exit()).as("cachet %s as %s: %s", String.join(" ", args), who, r.err()).isEqualTo(ExitCodes.OK);
    return r;
  }
}
