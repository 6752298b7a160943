package io.cachet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.client.GrantWindowException;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.storage.StorageException;
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
 * else the status name); {@code hint} is present only when there is one.
 */
final class CommandError {
  /** What to do, for the reasons a person can act on; the key is the reason code. */
  private static final Map<String, String> HINTS = Map.of(
      "UNKNOWN_POLICY", "Check the id ('cachet policy show ID' on the same network), or create a policy with"
          + " 'cachet policy create' and grant its readers, yourself included.",
      GrantWindowException.WINDOW_ENDED, "Give an end still to come (--until, --for), or add --allow-ended to record"
          + " a window that is over.",
      "UNTRUSTED_NETWORK", "Add --trust-token-network only if you trust the network the token names; else ask the"
          + " sender for a token made on your network, or give your descriptor with --network FILE.");

  private CommandError() {}

  /** Tells the person about {@code e} and returns the exit code it maps to. */
  static int report(Exception e, CommandLine failed, ParseResult parsed) {
    Optional<FailureReport> network = FailureReport.of(e, failed);
    if (network.isPresent()) {
      return report(network.get(), failed, parsed);
    }
    int exit = ExitCodes.of(e);
    String reason = reason(e, exit);
    String message = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    String hint = HINTS.get(reason);
    failed.getErr().println("cachet: " + message + (hint == null ? "" : ". " + hint));
    if (wantsJson(parsed)) {
      ObjectNode doc = Json.object();
      ObjectNode error = doc.putObject("error");
      error.put("exitCode", exit);
      error.put("status", ExitCodes.name(exit));
      error.put("reason", reason);
      error.put("message", message);
      if (hint != null) {
        error.put("hint", hint);
      }
      Json.print(failed.getOut(), doc);
    }
    return exit;
  }

  /** A refusal or network failure: its lines on stderr, and with {@code --json} its key servers too. */
  private static int report(FailureReport r, CommandLine failed, ParseResult parsed) {
    r.stderrLines().forEach(failed.getErr()::println);
    if (wantsJson(parsed)) {
      ObjectNode doc = Json.object();
      ObjectNode error = doc.putObject("error");
      error.put("exitCode", r.exit());
      error.put("status", ExitCodes.name(r.exit()));
      error.put("reason", r.reason());
      error.put("message", r.message());
      if (r.hint() != null) {
        error.put("hint", r.hint());
      }
      if (!r.servers().isEmpty()) {
        RefusalReport.json(error.putArray("servers"), r.servers());
      }
      Json.print(failed.getOut(), doc);
    }
    return r.exit();
  }

  private static String reason(Throwable e, int exit) {
    if (e instanceof CachetSecurityException s && s.reason() != null) {
      return s.reason();
    }
    if (e instanceof GrantWindowException g) {
      return g.reason();
    }
    if (e instanceof StorageException s && s.reason() != null) {
      return s.reason().name();
    }
    return ExitCodes.name(exit);
  }

  /** Whether the command that ran (the innermost subcommand) was given {@code --json}. */
  private static boolean wantsJson(ParseResult parsed) {
    ParseResult leaf = parsed;
    while (leaf != null && leaf.subcommand() != null) {
      leaf = leaf.subcommand();
    }
    return leaf != null && leaf.hasMatchedOption("--json");
  }
}
