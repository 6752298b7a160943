package io.cachet.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cachet help [COMMAND...]}: the help of the command a path names, at any depth
 * ({@code cachet help devnet up} is {@code cachet devnet up --help}). A name that is no command
 * there is a usage error naming the whole path typed, with the commands that exist at that point.
 */
@Command(name = "help", helpCommand = true,
    description = {"Show the help of a command.", "COMMAND is a path of any depth, as you would type it after 'cachet'."},
    footer = {"", "Examples:", "  cachet help", "  cachet help put", "  cachet help devnet up", "  cachet help policy admin add"})
final class HelpCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, e.g. 'devnet up'.")
  List<String> path = new ArrayList<>();

  @Override
  public Integer call() {
    CommandLine at = spec.commandLine().getParent();
    for (String name : path) {
      CommandLine next = at.getSubcommands().get(name);
      if (next == null || next.getCommandSpec().usageMessage().hidden()) {
        throw new BadCommandLine.UnknownCommand(spec.commandLine(), at, name);
      }
      at = next;
    }
    at.usage(spec.commandLine().getOut());
    return ExitCodes.OK;
  }
}
