package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The help of every command in the tree, found by walking it from {@link Cachet#newCommandLine},
 * so a command added later is held to the same rules without a line of this test changing:
 *
 * <ul>
 *   <li>{@code --help} and {@code -h} print the help on stdout and exit 0, even where options or
 *       parameters are required; {@code cachet help PATH} prints the same; {@code --version} and
 *       {@code -V} print the version;
 *   <li>no line is wider than the width the help is laid out at, and no footer line (examples,
 *       exit codes) is so wide that it would be wrapped;
 *   <li>every command listed under "Commands:" is summed up by one whole short sentence: the first
 *       line of its description ends with '.' and is at most {@link #SUMMARY_MAX} characters;
 *   <li>no orphan: a line of under {@link #ORPHAN_MAX} characters that does not end a sentence and
 *       is followed by the rest of its sentence (the next line starts in lower case) on the next
 *       line, the mark of a description broken by hand and wrapped again by picocli.
 * </ul>
 */
class HelpTreeTest {
  /** The longest summary sentence that still reads as short in a command list. */
  private static final int SUMMARY_MAX = 100;
  /** A line shorter than this, cut mid-sentence, is an orphan fragment. */
  private static final int ORPHAN_MAX = 20;
  private static final Pattern ENDS_SENTENCE = Pattern.compile(".*[.:!?)]$");

  private record Run(int exit, String out, String err) {}

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  /** One command line for the test's many runs: building the tree is the slow part, and parsing resets it. */
  private final CommandLine cachet = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true));

  private Run cachet(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    int exit = cachet.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Every command's path below {@code cachet}, the root's being empty. */
  private List<List<String>> commands() {
    List<List<String>> all = new ArrayList<>();
    walk(cachet, List.of(), all);
    return all;
  }

  private static void walk(CommandLine at, List<String> path, List<List<String>> all) {
    all.add(path);
    for (Map.Entry<String, CommandLine> sub : at.getSubcommands().entrySet()) {
      List<String> next = new ArrayList<>(path);
      next.add(sub.getKey());
      walk(sub.getValue(), next, all);
    }
  }

  private CommandLine find(List<String> path) {
    CommandLine at = cachet;
    for (String name : path) {
      at = at.getSubcommands().get(name);
    }
    return at;
  }

  private static String[] with(List<String> path, String... more) {
    List<String> args = new ArrayList<>(path);
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void help_everyCommand_printsUsageAndExitsZero() {
    List<List<String>> all = commands();
    assertThat(all).as("the walk finds the tree").hasSizeGreaterThan(20)
        .contains(List.of("put"), List.of("policy", "grant"), List.of("devnet", "up"), List.of("policy"), List.of("id"));
    for (List<String> path : all) {
      String name = String.join(" ", with(List.of("cachet"), path.toArray(String[]::new)));
      for (String flag : List.of("--help", "-h")) {
        Run r = cachet(with(path, flag));
        assertThat(r.exit()).as("%s %s: %s", name, flag, r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).as("%s %s", name, flag).startsWith("Usage: " + name);
        assertThat(r.err()).as("%s %s", name, flag).isEmpty();
      }
    }
  }

  @Test
  void helpCommand_anyDepth_printsThatCommandsHelp() {
    for (List<String> path : commands()) {
      if (path.contains("help")) {
        continue;
      }
      Run viaHelp = cachet(with(List.of("help"), path.toArray(String[]::new)));
      Run direct = cachet(with(path, "--help"));
      assertThat(viaHelp.exit()).as("cachet help %s", path).isEqualTo(ExitCodes.OK);
      assertThat(viaHelp.out()).as("cachet help %s", path).isEqualTo(direct.out());
    }
    assertThat(cachet("help", "devnet", "up").out()).startsWith("Usage: cachet devnet up");
  }

  @Test
  void helpCommand_unknownName_exitsUsageNamingIt() {
    Run r = cachet("help", "devnet", "nope");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("cachet: ").contains("'nope'").contains("'cachet devnet'").contains("up, down")
        .contains("cachet devnet --help");
    assertThat(r.err().lines().count()).isEqualTo(1);
  }

  @Test
  void version_everyCommand_printsVersionAndExitsZero() {
    for (List<String> path : commands()) {
      for (String flag : List.of("--version", "-V")) {
        Run r = cachet(with(path, flag));
        assertThat(r.exit()).as("%s %s", path, flag).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).as("%s %s", path, flag).startsWith("cachet ");
      }
    }
  }

  @Test
  void helpText_everyCommand_fitsItsWidthWithoutOrphans() {
    for (List<String> path : commands()) {
      CommandLine command = find(path);
      int width = command.getCommandSpec().usageMessage().width();
      List<String> lines = cachet(with(path, "--help")).out().lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        assertThat(line.length()).as("%s, line %d, wider than %d: %s", path, i, width, line).isLessThanOrEqualTo(width);
        if (i + 1 < lines.size()) {
          assertThat(isOrphan(line, lines.get(i + 1))).as("%s: an orphan fragment: '%s' followed by '%s'", path,
              line, lines.get(i + 1)).isFalse();
        }
      }
      for (String footer : command.getCommandSpec().usageMessage().footer()) {
        assertThat(footer.length()).as("%s: a footer line picocli would wrap: %s", path, footer)
            .isLessThanOrEqualTo(HelpLayout.DEFAULT_WIDTH);
      }
    }
  }

  @Test
  void commandList_everySubcommand_isSummedUpInOneShortSentence() {
    for (List<String> path : commands()) {
      CommandSpec spec = find(path).getCommandSpec();
      String[] description = spec.usageMessage().description();
      if (path.isEmpty()) {
        continue;
      }
      assertThat(description).as("%s has a description", path).isNotEmpty();
      assertThat(description[0]).as("%s: the line its parent's command list shows", path).endsWith(".")
          .hasSizeLessThanOrEqualTo(SUMMARY_MAX);
    }
    Run root = cachet("--help");
    assertThat(root.out()).containsPattern("\n  put +Seal FILE here and store the ciphertext on the storage network\\.\n")
        .doesNotContain("(any 2 open a file) and\n");
  }

  /**
   * A short line cut mid-sentence whose sentence goes on at the next line. Example lines of a
   * footer ({@code cachet ...}, {@code # ...}) are no sentences and are left out.
   */
  private static boolean isOrphan(String line, String next) {
    String text = line.strip();
    String following = next.strip();
    if (text.isEmpty() || following.isEmpty() || text.startsWith("cachet ") || text.startsWith("#")
        || following.startsWith("cachet ")) {
      return false;
    }
    return text.length() < ORPHAN_MAX && !ENDS_SENTENCE.matcher(text).matches()
        && Character.isLowerCase(following.charAt(0));
  }

  @Test
  void paragraphs_linesBrokenByHand_joinUntilASentenceEnds() {
    assertThat(HelpLayout.paragraphs(new String[] {"Fetch a blob, obtain its key (if the policy lets you),",
        "verify and decrypt it.", "Another paragraph.", "", "After a break."}))
        .containsExactly("Fetch a blob, obtain its key (if the policy lets you), verify and decrypt it.",
            "Another paragraph.", "", "After a break.");
    assertThat(HelpLayout.withSummary(new String[] {"Remove MEMBER from POLICY. Key servers refuse them.", "More."}))
        .containsExactly("Remove MEMBER from POLICY.", "Key servers refuse them.", "More.");
  }
}
