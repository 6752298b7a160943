package io.cachet.cli.policy;

import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicyChain;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

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
    try (PolicyChain chain = connection.chain(connection.config())) {
      Policy p = chain.policy(PolicyArgs.policyId(policy));
      if (json) {
        Json.print(spec.commandLine().getOut(), PolicyArgs.toJson(p));
      } else {
        PolicyArgs.print(spec.commandLine().getOut(), p);
      }
    }
    return ExitCodes.OK;
  }
}
