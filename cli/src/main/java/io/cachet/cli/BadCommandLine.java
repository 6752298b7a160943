package io.cachet.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.MaxValuesExceededException;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.MutuallyExclusiveArgsException;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * A command line picocli could not parse (or a help path naming no command), told as every other
 * failure is ({@link CommandError}): exit 2, one line on stderr with what was wrong and where to
 * look, and with {@code --json} anywhere before a {@code --}, one error document on stdout, even
 * though the parse failed before any option was read. Reason codes:
 *
 * <ul>
 *   <li>{@code UNKNOWN_OPTION}, {@code UNKNOWN_COMMAND}, {@code UNEXPECTED_ARGUMENT};
 *   <li>{@code MISSING_ARGUMENT} (a required option or parameter), {@code MISSING_COMMAND} (a
 *       group such as {@code cachet policy} given no command);
 *   <li>{@code BAD_VALUE} (a value of the wrong type), {@code CONFLICTING_OPTIONS},
 *       {@code REPEATED_OPTION}, {@code TOO_MANY_ARGUMENTS}; else {@code USAGE}.
 * </ul>
 */
final class BadCommandLine implements IParameterExceptionHandler {
  /** picocli's message for a group command given none of its commands. */
  private static final String MISSING_SUBCOMMAND = "Missing required subcommand";

  @Override
  public int handleParseException(ParameterException thrown, String[] args) {
    CommandLine where = thrown.getCommandLine();
    // picocli checks required arguments before it complains of unknown ones; the unknown one is the news
    ParameterException e = thrown instanceof MissingParameterException && !where.getUnmatchedArguments().isEmpty()
        ? new UnmatchedArgumentException(where, where.getUnmatchedArguments()) : thrown;
    String name = where.getCommandSpec().qualifiedName();
    String reason = reason(e);
    String message = switch (reason) {
      case "UNKNOWN_OPTION" -> unknownOptions(((UnmatchedArgumentException) e).getUnmatched()) + " for '" + name + "'";
      case "UNKNOWN_COMMAND" -> e instanceof UnknownCommand ? e.getMessage()
          : unknownCommand(where, ((UnmatchedArgumentException) e).getUnmatched().get(0));
      case "UNEXPECTED_ARGUMENT" -> "unexpected argument " + quoted(((UnmatchedArgumentException) e).getUnmatched())
          + " for '" + name + "'";
      case "MISSING_COMMAND" -> "'" + name + "' needs a command: " + commands(where);
      default -> lowerFirst(e.getMessage());
    };
    String hint = suggestion(e) + "See '" + (e instanceof UnknownCommand u ? u.parentName : name) + " --help'.";
    CommandError.tell(where, wantsJson(args), ExitCodes.USAGE, reason, message, hint);
    return ExitCodes.USAGE;
  }

  static String reason(ParameterException e) {
    if (e instanceof UnknownCommand) {
      return "UNKNOWN_COMMAND";
    }
    if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      if (u.isUnknownOption()) {
        return "UNKNOWN_OPTION";
      }
      return u.getCommandLine().getSubcommands().isEmpty() ? "UNEXPECTED_ARGUMENT" : "UNKNOWN_COMMAND";
    }
    if (e instanceof MissingParameterException) {
      return "MISSING_ARGUMENT";
    }
    if (MISSING_SUBCOMMAND.equals(e.getMessage())) {
      return "MISSING_COMMAND";
    }
    if (e instanceof MutuallyExclusiveArgsException) {
      return "CONFLICTING_OPTIONS";
    }
    if (e instanceof OverwrittenOptionException) {
      return "REPEATED_OPTION";
    }
    if (e instanceof MaxValuesExceededException) {
      return "TOO_MANY_ARGUMENTS";
    }
    if (e.getCause() instanceof TypeConversionException || e.getMessage() != null && e.getMessage().startsWith("Invalid value")) {
      return "BAD_VALUE";
    }
    return "USAGE";
  }

  /** Whether the person asked for JSON: {@code --json} among the options (before any {@code --}). */
  static boolean wantsJson(String[] args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (a.equals("--json")) {
        return true;
      }
    }
    return false;
  }

  private static String suggestion(ParameterException e) {
    if (e instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
      List<String> s = u.getSuggestions();
      return "Did you mean " + String.join(" or ", s.subList(0, Math.min(3, s.size()))) + "? ";
    }
    return "";
  }

  private static String unknownCommand(CommandLine parent, String name) {
    return "'" + name + "' is not a command of '" + parent.getCommandSpec().qualifiedName() + "': it has "
        + commands(parent);
  }

  private static String commands(CommandLine group) {
    return String.join(", ", group.getSubcommands().entrySet().stream()
        .filter(s -> !s.getValue().getCommandSpec().usageMessage().hidden()).map(s -> s.getKey()).toList());
  }

  /** The unmatched arguments that look like options: the others are mostly their values. */
  private static String unknownOptions(List<String> unmatched) {
    List<String> options = unmatched.stream().filter(a -> a.startsWith("-")).map(a -> "'" + a + "'").toList();
    return (options.size() == 1 ? "unknown option " : "unknown options ") + String.join(", ", options);
  }

  private static String quoted(List<String> args) {
    return "'" + String.join(" ", args) + "'";
  }

  private static String lowerFirst(String message) {
    if (message == null || message.isEmpty()) {
      return "bad command line";
    }
    boolean acronym = message.length() > 1 && Character.isUpperCase(message.charAt(1));
    return acronym ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
  }

  /** A help path naming no command: {@code cachet help devnet nope}. */
  static final class UnknownCommand extends ParameterException {
    private final String parentName;

    UnknownCommand(CommandLine help, CommandLine parent, String name) {
      super(help, unknownCommand(parent, name));
      this.parentName = parent.getCommandSpec().qualifiedName();
    }
  }
}
