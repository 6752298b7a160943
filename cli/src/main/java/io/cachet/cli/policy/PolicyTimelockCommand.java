package io.cachet.cli.policy;

import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.TimeArgs;
import io.cachet.cli.UsageException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyChain;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "timelock", description = {"Create a time lock: nobody opens before its time, anyone after.",
    "What is sealed under it opens for anyone at the time it names. It cannot be changed once created."},
    footer = {"", "Examples:", "  cachet policy timelock --at 2027-01-01T00:00:00Z", "  cachet policy timelock --in 2h"})
final class PolicyTimelockCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Option(names = "--at", paramLabel = "TIME", description = "When it opens (ISO-8601).")
  String at;

  @Option(names = "--in", paramLabel = "DURATION", description = "When it opens, from now (e.g. 10m, 2h, 30d).")
  String in;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if ((at == null) == (in == null)) {
      throw new UsageException("give exactly one of --at TIME and --in DURATION");
    }
    Instant now = Instant.now();
    Instant unlock = at != null ? TimeArgs.instant(at, now) : now.plus(TimeArgs.duration(in));
    try (PolicyChain chain = connection.chain(connection.config())) {
      PolicyId id = chain.createTimeLock(unlock);
      if (json) {
        Json.print(spec.commandLine().getOut(), PolicyArgs.toJson(chain.policy(id)));
      } else {
        spec.commandLine().getOut().println(id);
      }
    }
    return ExitCodes.OK;
  }
}
