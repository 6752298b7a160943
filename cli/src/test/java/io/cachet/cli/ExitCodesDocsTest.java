package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The exit codes are said in four places, and they say the same: {@link ExitCodes}, README.md's
 * table (each code's meaning word for word), docs/CLI.md's table (each code's name) and the list
 * {@code cachet --help} ends with. The codes each command returns are checked through the command
 * in {@code JsonAndExitCodesCliTest}.
 */
class ExitCodesDocsTest {
  private static final Pattern README_ROW = Pattern.compile("^\\| (\\d+) \\| (.+) \\|$");
  private static final Pattern CLI_MD_ROW = Pattern.compile("^\\| (\\d+) \\| `([A-Z_]+)` \\| .+ \\|$");

  /** The rows of the table under {@code heading} in {@code file} (up to the next heading of that level). */
  private static Map<String, Matcher> table(Path file, String heading, Pattern row) throws Exception {
    List<String> lines = Files.readAllLines(file);
    int start = lines.indexOf(heading);
    assertThat(start).as("%s has a section '%s'", file, heading).isGreaterThanOrEqualTo(0);
    Map<String, Matcher> rows = new LinkedHashMap<>();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.startsWith("## ")) {
        break;
      }
      Matcher m = row.matcher(line);
      if (m.matches()) {
        rows.put(m.group(1), m);
      }
    }
    return rows;
  }

  @Test
  void readmeTable_givesEachCodeItsMeaning() throws Exception {
    Map<String, Matcher> rows = table(Path.of("..", "README.md"), "## Exit codes", README_ROW);
    Map<String, String> meanings = new LinkedHashMap<>();
    rows.forEach((code, m) -> meanings.put(code, m.group(2)));
    assertThat(meanings).containsExactlyEntriesOf(ExitCodes.meanings());
  }

  @Test
  void cliMdTable_namesEachCode() throws Exception {
    Map<String, Matcher> rows = table(Path.of("..", "docs", "CLI.md"), "## Exit codes", CLI_MD_ROW);
    assertThat(rows.keySet()).containsExactlyElementsOf(ExitCodes.meanings().keySet());
    rows.forEach((code, m) -> assertThat(m.group(2)).as("code %s", code).isEqualTo(ExitCodes.name(Integer.parseInt(code))));
  }

  @Test
  void topHelp_endsWithEveryCodeAndItsMeaning() {
    StringWriter out = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true)).execute("--help");
    assertThat(exit).isEqualTo(ExitCodes.OK);
    String help = out.toString().replaceAll("\\s+", " ");
    assertThat(help).contains("Exit codes:");
    ExitCodes.meanings().forEach((code, meaning) -> assertThat(help).contains(" " + code + " " + meaning));
  }
}
