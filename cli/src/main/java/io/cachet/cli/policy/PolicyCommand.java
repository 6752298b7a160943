package io.cachet.cli.policy;

import picocli.CommandLine.Command;

/** {@code cachet policy}: access policies on the ledger. */
@Command(
    name = "policy",
    description = "Create and change access policies on the ledger: allow-lists with time windows, and time locks.",
    subcommands = {PolicyCreateCommand.class, PolicyGrantCommand.class, PolicyRevokeCommand.class,
        PolicyTimelockCommand.class, PolicyShowCommand.class},
    footer = {"", "Examples:",
        "  cachet policy create                          # an allow-list you own",
        "  cachet policy grant 0x5e1f... bob             # bob may read, from now on",
        "  cachet policy grant 0x5e1f... carol --for 30d # carol may read for 30 days",
        "  cachet policy revoke 0x5e1f... bob",
        "  cachet policy timelock --at 2027-01-01T00:00:00Z",
        "  cachet policy show 0x5e1f..."})
public final class PolicyCommand {}
