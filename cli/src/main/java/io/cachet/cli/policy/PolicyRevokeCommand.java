package io.cachet.cli.policy;

import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyChain;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "revoke", description = {"Remove MEMBER from POLICY.",
    "Key servers refuse them from the next block on; what they already opened and kept, they keep."},
    footer = {"", "Example:", "  cachet policy revoke 0x5e1f... bob"})
final class PolicyRevokeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(index = "0", paramLabel = "POLICY", description = "The allow-list's policy id.")
  String policy;

  @Parameters(index = "1", paramLabel = "MEMBER",
      description = "An address (0x...), or the name of an identity or contact.")
  String member;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PolicyId id = PolicyArgs.policyId(policy);
    ClientConfig config = connection.config();
    Address who = PolicyArgs.member(connection.home.addressBook(), member, config);
    try (PolicyChain chain = connection.chain(config)) {
      chain.revoke(id, who);
      if (json) {
        Json.print(spec.commandLine().getOut(), PolicyArgs.toJson(chain.policy(id)));
      } else {
        spec.commandLine().getOut().println("revoked " + member + " (" + who + ") on " + id);
      }
    }
    return ExitCodes.OK;
  }
}
