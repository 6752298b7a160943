package io.cachet.cli.policy;

import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyChain;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "create", description = {"Create an allow-list owned by you; prints its policy id.",
    "Members are added with 'cachet policy grant'."},
    footer = {"", "Example:", "  cachet policy create --as alice"})
final class PolicyCreateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (PolicyChain chain = connection.chain(connection.config())) {
      PolicyId id = chain.createAllowList();
      if (json) {
        Json.print(spec.commandLine().getOut(), PolicyArgs.toJson(chain.policy(id)));
      } else {
        spec.commandLine().getOut().println(id);
      }
    }
    return ExitCodes.OK;
  }
}
