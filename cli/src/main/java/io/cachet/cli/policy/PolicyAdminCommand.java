package io.cachet.cli.policy;

import picocli.CommandLine.Command;

/** {@code cachet policy admin}: who besides the owner may change a policy. */
@Command(name = "admin", description = "Add or remove an admin of a policy: admins change members as the owner does.",
    subcommands = {PolicyAdminAddCommand.class, PolicyAdminRemoveCommand.class},
    footer = {"", "Examples:", "  cachet policy admin add 0x5e1f... carol", "  cachet policy admin remove 0x5e1f... carol"})
final class PolicyAdminCommand {}
