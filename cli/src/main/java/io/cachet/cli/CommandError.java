package io.cachet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.client.GrantWindowException;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.storage.StorageException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * How a failed command tells the person: one line on stderr, {@code cachet: } what went wrong and,
 * when Cachet knows, what to do about it; with {@code --json}, also one document on stdout:
 *
 * <pre>{"error": {"exitCode": 2, "status": "USAGE", "reason": "UNKNOWN_POLICY", "message": "...", "hint": "..."}}</pre>
 *
 * <p>{@code reason} is the stable code a script switches on (the SDK's or the servers' reason,
 * else the status name); {@code hint} is present only when there is one. A bad command line
 * ({@link BadCommandLine}) is told the same way.
 */
final class CommandError {
  /** What to do, for the reasons a person can act on; the key is the reason code. */
  private static final Map<String, String> HINTS = Map.of(
      "UNKNOWN_POLICY", "Check the id ('cachet policy show ID' on the same network), or create a policy with"
          + " 'cachet policy create' and grant its readers, yourself included.",
      GrantWindowException.WINDOW_ENDED, "Give an end still to come (--until, --for), or add --allow-ended to record"
          + " a window that is over.",
      "UNTRUSTED_NETWORK", "Add --trust-token-network only if you trust the network the token names; else ask the"
          + " sender for a token made on your network, or give your descriptor with --network FILE.",
      "INTERNAL", "This is a bug in Cachet: please report it with the command you ran and this message.");

  private CommandError() {}

  /** Tells the person about {@code e} and returns the exit code it maps to. */
  static int report(Exception thrown, CommandLine failed, ParseResult parsed) {
    Throwable e = thrown instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : thrown;
    Optional<FailureReport> network = FailureReport.of(e, failed);
    if (network.isPresent()) {
      return report(network.get(), failed, parsed);
    }
    int exit = ExitCodes.of(e);
    String reason = reason(e, exit);
    String hint = e instanceof InputFile.Unreadable u ? u.hint()
        : e instanceof UsageException u && u.hint() != null ? u.hint() : HINTS.get(reason);
    tell(failed, wantsJson(parsed), exit, reason, message(e, exit), hint);
    return exit;
  }

  /**
   * Prints one failure: the line on stderr and, if {@code json}, the error document on stdout.
   *
   * @param hint what to do, or null
   */
  static void tell(CommandLine where, boolean json, int exit, String reason, String message, String hint) {
    PrintWriter err = where.getErr();
    err.println("cachet: " + message + (hint == null ? "" : (message.endsWith(".") ? " " : ". ") + hint));
    err.flush();
    ObjectNode doc = document(exit, reason, message, hint);
    FailureDocuments.offer(doc);
    if (json) {
      Json.print(where.getOut(), doc);
      where.getOut().flush();
    }
  }

  /** The one error document: {@code {"error": {exitCode, status, reason, message, hint?}}}. */
  private static ObjectNode document(int exit, String reason, String message, String hint) {
    ObjectNode doc = Json.object();
    ObjectNode error = doc.putObject("error");
    error.put("exitCode", exit);
    error.put("status", ExitCodes.name(exit));
    error.put("reason", reason);
    error.put("message", message);
    if (hint != null) {
      error.put("hint", hint);
    }
    return doc;
  }

  /**
   * The message of {@code e} as a person reads it: a file the JDK could not find or open is named
   * once, with what happened to it (the JDK's message is the bare path), and a bug says so.
   */
  private static String message(Throwable e, int exit) {
    if (e instanceof NoSuchFileException f) {
      return f.getFile() + " does not exist";
    }
    if (e instanceof AccessDeniedException f) {
      return f.getFile() + " cannot be read or written (permission denied)";
    }
    String text = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    return exit == ExitCodes.INTERNAL ? "internal error (" + e.getClass().getSimpleName() + ": " + text + ")" : text;
  }

  /** A refusal or network failure: its lines on stderr, and with {@code --json} its key servers too. */
  private static int report(FailureReport r, CommandLine failed, ParseResult parsed) {
    r.stderrLines().forEach(failed.getErr()::println);
    failed.getErr().flush();
    ObjectNode doc = document(r.exit(), r.reason(), r.message(), r.hint());
    if (!r.servers().isEmpty()) {
      RefusalReport.json(((ObjectNode) doc.get("error")).putArray("servers"), r.servers());
    }
    FailureDocuments.offer(doc);
    if (wantsJson(parsed)) {
      Json.print(failed.getOut(), doc);
      failed.getOut().flush();
    }
    return r.exit();
  }

  private static String reason(Throwable e, int exit) {
    if (e instanceof io.cachet.common.config.PortInUseException) {
      return ExitCodes.PORT_IN_USE;
    }
    if (e instanceof io.cachet.common.config.ConfigException) {
      return ExitCodes.BAD_CONFIG;
    }
    if (e instanceof CachetSecurityException s && s.reason() != null) {
      return s.reason();
    }
    if (e instanceof GrantWindowException g) {
      return g.reason();
    }
    if (e instanceof StorageException s && s.reason() != null) {
      return s.reason().name();
    }
    if (e instanceof InputFile.Unreadable u) {
      return u.reason();
    }
    if (e instanceof UsageException u && u.reason() != null) {
      return u.reason();
    }
    if (e instanceof io.cachet.cli.devnet.DevnetException d && d.reason() != null) {
      return d.reason();
    }
    if (e instanceof OutcomeException o && o.reason() != null) {
      return o.reason();
    }
    if (e instanceof NoSuchFileException) {
      return InputFile.NO_SUCH_FILE;
    }
    return ExitCodes.name(exit);
  }

  /** Whether the command that ran (the innermost subcommand) was given {@code --json}. */
  static boolean wantsJson(ParseResult parsed) {
    ParseResult leaf = parsed;
    while (leaf != null && leaf.subcommand() != null) {
      leaf = leaf.subcommand();
    }
    return leaf != null && leaf.hasMatchedOption("--json");
  }
}
