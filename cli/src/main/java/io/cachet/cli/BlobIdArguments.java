package io.cachet.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Blob ids, and keys of the same shape, that start with '-'.
 *
 * <p>A blob id, like an Ed25519 key, is 43 characters of URL-safe base64, so one in 64 starts
 * with '-', and a command line parser takes it for an option: {@code cachet get -DU6J… -o out}
 * would fail with "missing BLOB", or worse, {@code -oU6J…} would parse as {@code -o U6J…}. Before
 * parsing, every argument of that shape that starts with '-' is put where the parser can only
 * read it as a value:
 * <ul>
 *   <li>right after an option of the command that must take a value, it is joined to that
 *       option, {@code --sequencer-key=-DU6J…}, since the parser would otherwise see an option
 *       with its value missing; and that command is let take an option-like value, since picocli
 *       refuses one even after '=' when its second character is a short option of the command
 *       ({@code -h}, {@code -V}, {@code -o}): {@code --sequencer-key=-hU6J…};
 *   <li>anywhere else, it is a positional parameter, and it moves after a {@code --} at the end,
 *       keeping the order of such arguments.
 * </ul>
 * No option of any command is 43 characters of that alphabet, so nothing else moves.
 */
final class BlobIdArguments {
  private static final Pattern DASHED_ID = Pattern.compile("-[A-Za-z0-9_-]{42}");

  private BlobIdArguments() {}

  /**
   * {@code args} as {@code root}'s parser must see them; {@code args} itself when nothing is dashed.
   * Sets what the parser of the subcommand with a joined value must allow, so call it on a command
   * line that parses these arguments only.
   */
  static String[] protect(CommandLine root, String[] args) {
    int end = args.length;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--")) {
        end = i;
        break;
      }
    }
    List<String> kept = new ArrayList<>();
    List<String> positional = new ArrayList<>();
    CommandLine command = root;
    for (int i = 0; i < end; i++) {
      String arg = args[i];
      if (DASHED_ID.matcher(arg).matches()) {
        positional.add(arg);
      } else if (i + 1 < end && takesValue(command, arg)) {
        // the option's value, never a subcommand's name, whatever it spells
        String value = args[++i];
        if (DASHED_ID.matcher(value).matches()) {
          kept.add(arg + "=" + value);
          command.setAllowOptionsAsOptionParameters(true);
        } else {
          kept.add(arg);
          kept.add(value);
        }
      } else {
        kept.add(arg);
        CommandLine sub = command.getSubcommands().get(arg);
        command = sub != null ? sub : command;
      }
    }
    if (positional.isEmpty() && kept.size() == end) {
      return args;
    }
    List<String> out = new ArrayList<>(kept);
    int rest = end;
    if (!positional.isEmpty()) {
      out.add("--");
      out.addAll(positional);
      rest = end + 1; // past the caller's own "--", whose positional parameters follow ours
    }
    for (int i = rest; i < args.length; i++) {
      out.add(args[i]);
    }
    return out.toArray(String[]::new);
  }

  private static boolean takesValue(CommandLine command, String arg) {
    if (!arg.startsWith("-") || arg.contains("=")) {
      return false;
    }
    OptionSpec option = command.getCommandSpec().findOption(arg);
    // an option whose value may be left out (arity 0..1) does not take an option-like argument as it
    return option != null && option.arity().min() > 0;
  }
}
