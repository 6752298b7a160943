package io.cachet.cli.policy;

import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.UsageException;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Composite;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicyRef;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What {@code policy all-of} and {@code policy any-of} share: parts named as a policy id of the
 * stock contract or {@code 0xCONTRACT/0xID}, one create, the new id printed. EVM chains only; on
 * the embedded ledger it exits 2 saying how to get one, before asking for a passphrase.
 */
abstract class PolicyCompositeCreation implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(arity = "1..*", paramLabel = "PART",
      description = "A policy id of the stock contract, or 0xCONTRACT/0xID for a policy of another contract.")
  List<String> parts;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  abstract Composite.Mode mode();

  @Override
  public final Integer call() throws Exception {
    if (parts.size() > Composite.MAX_PARTS) {
      throw new UsageException("a composite names at most " + Composite.MAX_PARTS + " policies, got " + parts.size());
    }
    ClientConfig config = connection.config();
    PolicyArgs.requireEvm(config, "all-of and any-of policies");
    List<PolicyRef> refs = new ArrayList<>();
    for (String p : parts) {
      refs.add(PolicyArgs.part(p, config));
    }
    try (PolicyChain chain = connection.chain(config)) {
      PolicyId id = chain.createComposite(mode(), refs);
      if (json) {
        Json.print(spec.commandLine().getOut(), PolicyArgs.toJson(chain.policy(id)));
      } else {
        spec.commandLine().getOut().println(id);
      }
    }
    return ExitCodes.OK;
  }
}
