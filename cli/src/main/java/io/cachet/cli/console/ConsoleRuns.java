package io.cachet.cli.console;

import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Invocation;
import io.cachet.cli.PassphraseOptions;
import io.cachet.cli.agent.HeldIdentities;
import io.cachet.cli.agent.InAgent;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code cachet} commands inside the console's process, for the browser: the same commands,
 * checks, local index and error documents a person gets in a terminal, so the console adds no
 * second way of doing anything. Each run holds the console's unlocked identities the way a run
 * inside {@code cachet agent} does ({@link InAgent}), so no passphrase travels per request; it
 * sees the console's environment without {@code CACHET_PASSPHRASE} (a run never falls back on the
 * passphrase the console itself may have been started with), has no terminal, and its relative
 * paths resolve against the console's state directory.
 *
 * <p>Runs block: call them off the event loop. Thread-safe.
 */
public final class ConsoleRuns {
  private final Path home;
  private final Path network;
  private final Map<String, String> env;
  private final HeldIdentities held;

  /**
   * @param home the state directory every run uses ({@code --home})
   * @param network the network descriptor the console was given, or null for the command's default
   * @param env the environment runs see
   */
  ConsoleRuns(Path home, Path network, Map<String, String> env, HeldIdentities held) {
    this.home = home.toAbsolutePath();
    this.network = network == null ? null : network.toAbsolutePath();
    Map<String, String> e = new HashMap<>(env);
    e.remove(PassphraseOptions.ENV);
    this.env = Map.copyOf(e);
    this.held = held;
  }

  /**
   * One finished run: its exit code, its standard output (with {@code --json}, one document: the
   * answer, or {@code {"error":{...}}}) and its standard error.
   */
  public record Result(int exit, String out, String err) {
    public boolean ok() {
      return exit == ExitCodes.OK;
    }

    /** The JSON document on stdout (an object or an array), or null when stdout is not JSON. */
    public Object json() {
      try {
        return Json.decodeValue(out);
      } catch (RuntimeException e) {
        return null;
      }
    }

    /** The error object of a failed {@code --json} run, or null. */
    public JsonObject error() {
      return json() instanceof JsonObject o ? o.getJsonObject("error") : null;
    }
  }

  /** {@code --network FILE} when the console was given one, else nothing (the command's own default). */
  public List<String> networkArgs() {
    return network == null ? List.of() : List.of("--network", network.toString());
  }

  public Path home() {
    return home;
  }

  /** Runs {@code cachet ARGS --json --home HOME} and returns its document. */
  public Result json(List<String> args) {
    return json(args, Map.of());
  }

  /**
   * As {@link #json(List)}, with {@code extraEnv} added to this run's environment only (for a new
   * identity's passphrase, which a command reads from {@code CACHET_PASSPHRASE}).
   */
  public Result json(List<String> args, Map<String, String> extraEnv) {
    List<String> all = new ArrayList<>(args);
    all.add("--json");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int exit = run(all, extraEnv, InputStream.nullInputStream(), out, err);
    return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString());
  }

  /**
   * Runs {@code cachet ARGS --home HOME} with {@code in} as its standard input and {@code out} as
   * its standard output (a put from the browser's upload, a get into the browser's download), and
   * returns its exit code; what it says on stderr goes to {@code err}.
   */
  public int stream(List<String> args, InputStream in, OutputStream out, StringWriter err) {
    return run(args, Map.of(), in, out, err);
  }

  private int run(List<String> args, Map<String, String> extraEnv, InputStream in, OutputStream out,
      StringWriter err) {
    List<String> all = new ArrayList<>(args);
    all.add("--home");
    all.add(home.toString());
    Map<String, String> runEnv = new HashMap<>(env);
    runEnv.putAll(extraEnv);
    PrintStream errStream = new PrintStream(new WriterStream(err), true, StandardCharsets.UTF_8);
    PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    PrintWriter errWriter = new PrintWriter(err, true);
    Invocation invocation = new Invocation(runEnv, home, in, out, errStream, false);
    try {
      int exit = Invocation.call(invocation, () -> InAgent.run(held,
          () -> Cachet.newCommandLine(outWriter, errWriter)
              // a value from the page that starts with '@' must never make the command read a file here
              .setExpandAtFiles(false)
              .execute(all.toArray(String[]::new))));
      outWriter.flush();
      return exit;
    } catch (Exception e) {
      err.write("cachet: the console failed to run the command (" + e.getClass().getSimpleName() + ")\n");
      return ExitCodes.INTERNAL;
    } finally {
      errStream.flush();
    }
  }

  /** Bytes written to a {@link StringWriter} as UTF-8 text. */
  private static final class WriterStream extends OutputStream {
    private final StringWriter to;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    WriterStream(StringWriter to) {
      this.to = to;
    }

    @Override
    public synchronized void write(int b) {
      pending.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      pending.write(b, off, len);
    }

    @Override
    public synchronized void flush() {
      to.write(pending.toString(StandardCharsets.UTF_8));
      pending.reset();
    }
  }
}
