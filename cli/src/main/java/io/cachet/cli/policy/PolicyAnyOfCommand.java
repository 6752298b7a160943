package io.cachet.cli.policy;

import io.cachet.policy.Composite;
import picocli.CommandLine.Command;

@Command(name = "any-of", description = {"Create a policy that lets read whom at least one PART lets read.",
    "Needs an EVM chain."},
    footer = {"", "Example:", "  cachet policy any-of 0x5e1f... 0x77aa..."})
final class PolicyAnyOfCommand extends PolicyCompositeCreation {
  @Override
  Composite.Mode mode() {
    return Composite.Mode.ANY_OF;
  }
}
