package io.cachet.cli.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyChain;
import java.io.IOException;
import picocli.CommandLine.Command;

@Command(name = "remove", description = "Take WHO's admin rights on POLICY away. Only the owner removes admins.",
    footer = {"", "Example:", "  cachet policy admin remove 0x5e1f... carol"})
final class PolicyAdminRemoveCommand extends PolicyAdminChange {
  @Override
  long change(PolicyChain chain, PolicyId id, Address whom) throws IOException, CachetSecurityException {
    return chain.removeAdmin(id, whom);
  }

  @Override
  String done() {
    return "removed admin";
  }
}
