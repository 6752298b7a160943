package io.cachet.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One {@code cachet} command run in this JVM, as a person types it: its exit code and exactly
 * what it printed on stdout and stderr.
 */
public record CommandRun(int exit, String out, String err) {
  public static CommandRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new CommandRun(exit, out.toString(), err.toString());
  }
}
