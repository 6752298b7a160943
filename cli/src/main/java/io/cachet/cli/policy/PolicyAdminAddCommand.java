package io.cachet.cli.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyChain;
import java.io.IOException;
import picocli.CommandLine.Command;

@Command(name = "add", description = {"Make WHO an admin of POLICY: they may grant, change windows and revoke.",
    "Only the owner adds admins."},
    footer = {"", "Example:", "  cachet policy admin add 0x5e1f... carol"})
final class PolicyAdminAddCommand extends PolicyAdminChange {
  @Override
  long change(PolicyChain chain, PolicyId id, Address whom) throws IOException, CachetSecurityException {
    return chain.addAdmin(id, whom);
  }

  @Override
  String done() {
    return "added admin";
  }
}
