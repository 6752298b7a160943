package io.cachet.cli.audit;

import picocli.CommandLine.Command;

/** {@code cachet audit}: the key servers' decision logs. */
@Command(
    name = "audit",
    description = "Check the key servers' append-only, hash-chained decision logs.",
    subcommands = {AuditVerifyCommand.class},
    footer = {"", "Example:", "  cachet audit verify"})
public final class AuditCommand {}
