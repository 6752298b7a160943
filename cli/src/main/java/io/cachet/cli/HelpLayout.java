package io.cachet.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Help.IOptionRenderer;
import picocli.CommandLine.Help.IParameterRenderer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * How every command's help reads, applied to the whole command tree when the command line is
 * made, so that a command added later gets it without doing anything:
 *
 * <ol>
 *   <li>every command answers {@code --help}/{@code -h} and {@code --version}/{@code -V} with
 *       the top command's version (picocli then skips the checks of required options and parameters);
 *   <li>text is laid out at one width, {@link #width}, and picocli wraps it: lines of a
 *       description or an option's description written as several strings are first joined into
 *       paragraphs, so a line broken by hand never leaves a fragment of a sentence on a line of its
 *       own;
 *   <li>a command's description starts with one short sentence of its own: the line the command
 *       list of its parent shows (picocli shows only a description's first line there).
 * </ol>
 *
 * <p>A paragraph ends where a string ends a sentence ({@code .}, {@code !}, {@code ?} or
 * {@code :}) or at an empty string; the strings in between are joined with a space.
 */
final class HelpLayout {
  /** The width of help text when the terminal's is not known, and the least one used. */
  static final int DEFAULT_WIDTH = 80;
  /** The widest help text, however wide the terminal: longer lines are hard to read. */
  static final int MAX_WIDTH = 120;
  /** A sentence's end inside a paragraph: the punctuation, then space, then a capital. */
  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[A-Z])");
  /** Where a string ends a paragraph. */
  private static final Pattern PARAGRAPH_END = Pattern.compile(".*[.!?:]\\)?$");

  private HelpLayout() {}

  /** Applies the layout to {@code root} and every command below it. */
  static void apply(CommandLine root, int width) {
    apply(root, width, root.getCommandSpec().versionProvider());
  }

  private static void apply(CommandLine command, int width, IVersionProvider version) {
    CommandSpec spec = command.getCommandSpec();
    if (spec.usageMessage().description().length > 0) {
      spec.usageMessage().description(withSummary(paragraphs(spec.usageMessage().description())));
    }
    spec.usageMessage().width(width);
    spec.usageMessage().helpFactory(Reflowed::new);
    if (!hasUsageHelpOption(spec)) {
      spec.mixinStandardHelpOptions(true);
    }
    if (spec.versionProvider() == null && spec.version().length == 0) {
      spec.versionProvider(version);
    }
    for (CommandLine sub : command.getSubcommands().values()) {
      apply(sub, width, version);
    }
  }

  /**
   * The width help is laid out at: {@code $COLUMNS} of the run when it is set, kept within
   * {@link #DEFAULT_WIDTH} and {@link #MAX_WIDTH}, else {@link #DEFAULT_WIDTH}. The examples of
   * every command fit in the least width, so they are never wrapped.
   */
  static int width(Invocation run) {
    String columns = run.env("COLUMNS");
    if (columns != null && columns.matches("\\d{1,4}")) {
      return Math.max(DEFAULT_WIDTH, Math.min(MAX_WIDTH, Integer.parseInt(columns)));
    }
    return DEFAULT_WIDTH;
  }

  private static boolean hasUsageHelpOption(CommandSpec spec) {
    return spec.options().stream().anyMatch(OptionSpec::usageHelp);
  }

  /** {@code lines} joined into paragraphs (see the class comment); empty strings stay as breaks. */
  static String[] paragraphs(String[] lines) {
    List<String> out = new ArrayList<>();
    StringBuilder open = new StringBuilder();
    for (String line : lines) {
      String text = line.strip();
      if (text.isEmpty() || text.contains("%n")) {
        flush(open, out);
        out.add(line);
        continue;
      }
      open.append(open.length() == 0 ? "" : " ").append(text);
      if (PARAGRAPH_END.matcher(text).matches()) {
        flush(open, out);
      }
    }
    flush(open, out);
    return out.toArray(String[]::new);
  }

  /** {@code paragraphs} with the first sentence of the first made a paragraph of its own. */
  static String[] withSummary(String[] paragraphs) {
    if (paragraphs.length == 0) {
      return paragraphs;
    }
    Matcher m = SENTENCE_END.matcher(paragraphs[0]);
    if (!m.find()) {
      return paragraphs;
    }
    List<String> out = new ArrayList<>();
    out.add(paragraphs[0].substring(0, m.start()));
    out.add(paragraphs[0].substring(m.end()));
    out.addAll(List.of(paragraphs).subList(1, paragraphs.length));
    return out.toArray(String[]::new);
  }

  private static void flush(StringBuilder open, List<String> out) {
    if (open.length() > 0) {
      out.add(open.toString());
      open.setLength(0);
    }
  }

  /** picocli's help, with each option's and parameter's description joined into paragraphs. */
  private static final class Reflowed extends Help {
    Reflowed(CommandSpec spec, ColorScheme colors) {
      super(spec, colors);
    }

    @Override
    public IOptionRenderer createDefaultOptionRenderer() {
      IOptionRenderer plain = super.createDefaultOptionRenderer();
      return (option, labels, colors) -> plain.render(reflowed(option), labels, colors);
    }

    @Override
    public IParameterRenderer createDefaultParameterRenderer() {
      IParameterRenderer plain = super.createDefaultParameterRenderer();
      return (param, labels, colors) -> plain.render(reflowed(param), labels, colors);
    }

    /** The option as it is, or a copy with its description in paragraphs (names as shown, not as declared). */
    private static OptionSpec reflowed(OptionSpec option) {
      String[] lines = option.description();
      String[] joined = paragraphs(lines);
      if (joined.length == lines.length) {
        return option;
      }
      return option.toBuilder().names(option.names()).paramLabel(option.paramLabel()).description(joined).build();
    }

    private static PositionalParamSpec reflowed(PositionalParamSpec param) {
      String[] lines = param.description();
      String[] joined = paragraphs(lines);
      if (joined.length == lines.length) {
        return param;
      }
      return param.toBuilder().paramLabel(param.paramLabel()).description(joined).build();
    }
  }
}
