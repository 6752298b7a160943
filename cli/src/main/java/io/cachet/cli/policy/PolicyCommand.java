package io.cachet.cli.policy;

import picocli.CommandLine.Command;

/** {@code cachet policy}: access policies on the network's chain, the same commands on either. */
@Command(
    name = "policy",
    description = {"Create and change access policies on the network's chain.",
        "Allow-lists with time windows and time locks on either chain; token gates and all-of / any-of policies"
            + " on an EVM chain."},
    subcommands = {PolicyCreateCommand.class, PolicyGrantCommand.class, PolicyRevokeCommand.class,
        PolicyTimelockCommand.class, PolicyShowCommand.class, PolicyCheckCommand.class, PolicyListCommand.class, PolicyAdminCommand.class,
        PolicyTransferCommand.class,
        PolicyTokenGateCommand.class, PolicyAllOfCommand.class, PolicyAnyOfCommand.class},
    footer = {"", "Examples:",
        "  cachet policy create                          # an allow-list you own",
        "  cachet policy grant 0x5e1f... bob             # bob may read, from now on",
        "  cachet policy grant 0x5e1f... carol --for 30d # carol may read for 30 days",
        "  cachet policy revoke 0x5e1f... bob",
        "  cachet policy timelock --at 2027-01-01T00:00:00Z",
        "  cachet policy show 0x5e1f...",
        "  cachet policy check 0x5e1f... bob             # may bob read now? exit 0 if so",
        "  cachet policy list                            # what you own or administer",
        "  cachet policy admin add 0x5e1f... carol",
        "  cachet policy transfer 0x5e1f... bob",
        "  cachet policy token-gate --erc721 0x5FbD...      # EVM chains only",
        "  cachet policy all-of 0x5e1f... 0x77aa...        # EVM chains only"})
public final class PolicyCommand {}
