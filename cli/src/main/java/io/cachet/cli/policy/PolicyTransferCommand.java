package io.cachet.cli.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyChain;
import java.io.IOException;
import picocli.CommandLine.Command;

@Command(name = "transfer", description = {"Make WHO the owner of POLICY.", "You lose the owner's rights at once."},
    footer = {"", "Example:", "  cachet policy transfer 0x5e1f... bob"})
final class PolicyTransferCommand extends PolicyAdminChange {
  @Override
  long change(PolicyChain chain, PolicyId id, Address whom) throws IOException, CachetSecurityException {
    return chain.transferOwnership(id, whom);
  }

  @Override
  String done() {
    return "transferred ownership to";
  }
}
