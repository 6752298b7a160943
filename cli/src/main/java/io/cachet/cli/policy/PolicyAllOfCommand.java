package io.cachet.cli.policy;

import io.cachet.policy.Composite;
import picocli.CommandLine.Command;

@Command(name = "all-of", description = {"Create a policy that lets read whom every PART lets read.", "Needs an EVM chain."},
    footer = {"", "Examples:", "  cachet policy all-of 0x5e1f... 0x77aa...",
        "  cachet policy all-of 0x5e1f... 0x9fE4...6e0/0x77aa...  # another contract's"})
final class PolicyAllOfCommand extends PolicyCompositeCreation {
  @Override
  Composite.Mode mode() {
    return Composite.Mode.ALL_OF;
  }
}
