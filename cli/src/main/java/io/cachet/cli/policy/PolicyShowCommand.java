package io.cachet.cli.policy;

import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.client.ClientConfig;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicyChain;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cachet policy show}: a policy as the chain holds it now, read without any identity (no
 * passphrase), with local names, local times and each member's state ({@link PolicyView}).
 */
@Command(name = "show", description = "Show a policy as the ledger holds it now: owner, members and windows, or unlock time.",
    footer = {"", "Example:", "  cachet policy show 0x5e1f... --json"})
final class PolicyShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(paramLabel = "POLICY", description = "The policy id.")
  String policy;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ClientConfig config = connection.config();
    try (PolicyChain chain = connection.reader(config)) {
      Policy p = chain.policy(PolicyArgs.policyId(policy));
      long now;
      PolicyView.Clock clock;
      try {
        now = chain.head().timeMillis();
        clock = PolicyView.Clock.LEDGER;
      } catch (IOException e) {
        now = System.currentTimeMillis();
        clock = PolicyView.Clock.LOCAL;
      }
      PolicyView view = new PolicyView(p, connection.home.addressBook(), new LocalTimes(LocalTimes.zone(), now), now,
          clock);
      if (json) {
        Json.print(spec.commandLine().getOut(), view.toJson());
      } else {
        view.print(spec.commandLine().getOut());
      }
    }
    return ExitCodes.OK;
  }
}
