package io.cachet.cli.policy;

import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyChain;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What the commands that change who manages a policy share (admin add, admin remove, transfer):
 * a policy, an address or identity name, one write, and the same output.
 */
abstract class PolicyAdminChange implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(index = "0", paramLabel = "POLICY", description = "The policy id.")
  String policy;

  @Parameters(index = "1", paramLabel = "WHO",
      description = "An address (0x...), or the name of an identity or contact.")
  String who;

  @Option(names = "--json", description = "Print the policy as it is afterwards, as JSON.")
  boolean json;

  /** The write, returning the height of the block that holds it. */
  abstract long change(PolicyChain chain, PolicyId id, Address whom) throws IOException, CachetSecurityException;

  /** What was done, as the start of the line printed ("added admin"). */
  abstract String done();

  @Override
  public final Integer call() throws Exception {
    PolicyId id = PolicyArgs.policyId(policy);
    ClientConfig config = connection.config();
    Address whom = PolicyArgs.member(connection.home.addressBook(), who, config);
    try (PolicyChain chain = connection.chain(config)) {
      change(chain, id, whom);
      if (json) {
        Json.print(spec.commandLine().getOut(), PolicyArgs.toJson(chain.policy(id)));
      } else {
        spec.commandLine().getOut().println(done() + " " + who + " (" + whom + ") on " + id);
      }
    }
    return ExitCodes.OK;
  }
}
