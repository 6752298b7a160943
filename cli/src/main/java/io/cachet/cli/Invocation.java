package io.cachet.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The world one run of a command sees: its environment, working directory, standard streams and
 * whether a person sits at a terminal. A command reads these only from here, never from
 * {@code System}, because a run need not be this process's own: {@code cachet agent} runs commands
 * for other processes in its warm JVM, each with the caller's environment, directory and streams.
 *
 * <p>{@link #current()} is the run on this thread; outside {@link #call} it is this process.
 */
public final class Invocation {
  private static final Invocation PROCESS = new Invocation(System.getenv(),
      Path.of("").toAbsolutePath(), System.in, System.out, System.err, System.console() != null);
  private static final ThreadLocal<Invocation> CURRENT = new ThreadLocal<>();

  private final Map<String, String> env;
  private final Path cwd;
  private final InputStream in;
  private final OutputStream out;
  private final PrintStream err;
  private final boolean interactive;

  /**
   * @param out the raw standard output: a command's answer, or plaintext for {@code get -o -}
   * @param interactive whether a person can be asked (a passphrase prompt) and shown progress bars
   */
  public Invocation(Map<String, String> env, Path cwd, InputStream in, OutputStream out, PrintStream err,
      boolean interactive) {
    this.env = Map.copyOf(env);
    this.cwd = cwd.toAbsolutePath();
    this.in = Objects.requireNonNull(in);
    this.out = Objects.requireNonNull(out);
    this.err = Objects.requireNonNull(err);
    this.interactive = interactive;
  }

  public static Invocation current() {
    Invocation i = CURRENT.get();
    return i == null ? PROCESS : i;
  }

  /** Runs {@code body} as {@code run}: on this thread, {@link #current()} is {@code run} until it returns. */
  public static <T> T call(Invocation run, Callable<T> body) throws Exception {
    Invocation before = CURRENT.get();
    CURRENT.set(run);
    try {
      return body.call();
    } finally {
      if (before == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(before);
      }
    }
  }

  /** An environment variable of the run, or null when unset. */
  public String env(String name) {
    return env.get(name);
  }

  public Map<String, String> environment() {
    return env;
  }

  public Path cwd() {
    return cwd;
  }

  /** A path as the person typed it, resolved against the run's working directory. */
  public Path resolve(String path) {
    return cwd.resolve(path);
  }

  public InputStream in() {
    return in;
  }

  public OutputStream out() {
    return out;
  }

  public PrintStream err() {
    return err;
  }

  public boolean interactive() {
    return interactive;
  }
}
