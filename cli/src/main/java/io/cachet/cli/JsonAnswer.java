package io.cachet.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.RunLast;

/**
 * Runs the command asked for (picocli's {@link RunLast}) so that with {@code --json} stdout holds
 * exactly one document: what the command prints on its text output is held back until it returns,
 * and dropped if it throws, so the error document {@link CommandError} prints is then the only
 * one, whatever the command had printed before it failed. A command that keeps running after its
 * answer (a devnet in the foreground) hands it over early with {@link #release}. Without
 * {@code --json} output is not held: a person sees lines as they come. Raw bytes a command writes
 * to the run's own stream ({@code get -o -}) are not held either.
 */
public final class JsonAnswer implements IExecutionStrategy {
  private final IExecutionStrategy inner = new RunLast();

  @Override
  public int execute(ParseResult parsed) {
    if (!CommandError.wantsJson(parsed)) {
      return inner.execute(parsed);
    }
    CommandLine leaf = leaf(parsed).commandSpec().commandLine();
    PrintWriter out = leaf.getOut();
    Held held = new Held(out);
    leaf.setOut(held);
    int exit;
    try {
      exit = inner.execute(parsed);
    } finally {
      leaf.setOut(out);
    }
    held.release();
    return exit;
  }

  /**
   * Writes what {@code out} holds now and lets later output through: for a command whose answer
   * is complete while it goes on running. Does nothing to an output that is not held.
   */
  public static void release(PrintWriter out) {
    if (out instanceof Held held) {
      held.release();
    }
  }

  private static ParseResult leaf(ParseResult parsed) {
    ParseResult leaf = parsed;
    while (leaf.subcommand() != null) {
      leaf = leaf.subcommand();
    }
    return leaf;
  }

  /** A command's text output, kept in memory until released to the real one. */
  private static final class Held extends PrintWriter {
    private final Writer real;
    private boolean released;

    Held(Writer real) {
      super(new StringWriter());
      this.real = real;
    }

    void release() {
      synchronized (lock) {
        if (released) {
          return;
        }
        released = true;
        super.flush();
        try {
          real.write(out.toString());
          real.flush();
        } catch (IOException e) {
          setError();
        }
        out = real;
      }
    }
  }
}
