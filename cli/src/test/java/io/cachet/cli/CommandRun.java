package io.cachet.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

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

  /**
   * As {@link #of}, run in {@code cwd} with {@code env} as its whole environment: for a part's
   * start-up checks and refusals, which need no process of their own to be what an operator sees.
   */
  public static CommandRun in(Path cwd, Map<String, String> env, String... args) throws Exception {
    Invocation run = new Invocation(env, cwd, new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
        new PrintStream(new ByteArrayOutputStream(), true), false);
    return Invocation.call(run, () -> of(args));
  }

  /** Both streams, stdout first. */
  public String output() {
    return out + err;
  }
}
