package io.cachet.cli.policy;

import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.TimeArgs;
import io.cachet.cli.UsageException;
import io.cachet.client.ClientConfig;
import io.cachet.client.EndedWindows;
import io.cachet.client.GrantWindows;
import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.Window;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cachet policy grant}: add a member or replace their window. A window that already ended
 * by the ledger's time grants nothing and is refused (exit 2, {@code WINDOW_ENDED}) unless
 * {@code --allow-ended} says it is meant; one that ends before it starts is always refused.
 */
@Command(name = "grant", description = {"Let MEMBER read what is sealed under POLICY, within a time window.",
    "Granting a member again replaces their window. A window that has already ended (by the ledger's time)"
        + " grants nothing and is refused, unless --allow-ended says you mean it."},
    footer = {"", "Examples:", "  cachet policy grant 0x5e1f... bob",
        "  cachet policy grant 0x5e1f... 0x9a0c... --for 30d",
        "  cachet policy grant 0x5e1f... carol --from 2026-12-01T00:00:00Z --for 30d",
        "  # a window that is over, recorded as such:",
        "  cachet policy grant 0x5e1f... dave --until 2020-01-01T00:00:00Z --allow-ended"})
final class PolicyGrantCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(index = "0", paramLabel = "POLICY", description = "The allow-list's policy id.")
  String policy;

  @Parameters(index = "1", paramLabel = "MEMBER",
      description = "An address (0x...), or the name of an identity or contact.")
  String member;

  @Option(names = "--from", paramLabel = "TIME", description = "Start of the window (default: always).")
  String from;

  @Option(names = "--until", paramLabel = "TIME", description = "End of the window, exclusive (default: none).")
  String until;

  @Option(names = "--for", paramLabel = "DURATION", description = "End of the window as a duration from its start.")
  String duration;

  @Option(names = "--allow-ended", description = "Record the window even if it has already ended (it grants nothing).")
  boolean allowEnded;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PolicyId id = PolicyArgs.policyId(policy);
    ClientConfig config = connection.config();
    Address who = PolicyArgs.member(connection.home.addressBook(), member, config);
    Window window = window(Instant.now());
    EndedWindows ended = allowEnded ? EndedWindows.ACCEPT : EndedWindows.REFUSE;
    try (PolicyChain chain = connection.chain(config)) {
      boolean known = chain.policy(id) instanceof AllowList a && a.members().containsKey(who);
      GrantWindows.check(chain, window, ended, Clock.systemUTC());
      if (known) {
        chain.changeWindow(id, who, window);
      } else {
        chain.grant(id, who, window);
      }
      if (json) {
        Json.print(spec.commandLine().getOut(), PolicyArgs.toJson(chain.policy(id)));
      } else {
        spec.commandLine().getOut().println((known ? "changed " : "granted ") + member + " (" + who + ") "
            + PolicyArgs.window(window) + " on " + id);
      }
    }
    return ExitCodes.OK;
  }

  Window window(Instant now) {
    if (until != null && duration != null) {
      throw new UsageException("give --until or --for, not both");
    }
    long start = from == null ? 0 : TimeArgs.instant(from, now).toEpochMilli();
    long end = Long.MAX_VALUE;
    if (until != null) {
      end = TimeArgs.instant(until, now).toEpochMilli();
    } else if (duration != null) {
      end = Math.max(start, now.toEpochMilli()) + TimeArgs.duration(duration).toMillis();
    }
    if (end <= start) {
      throw new UsageException("the window ends at " + Instant.ofEpochMilli(end) + ", before or when it starts at "
          + Instant.ofEpochMilli(start) + "; give an end after --from");
    }
    return new Window(start, end);
  }
}
