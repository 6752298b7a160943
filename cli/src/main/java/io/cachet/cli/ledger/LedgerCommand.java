package io.cachet.cli.ledger;

import picocli.CommandLine.Command;

/** {@code cachet ledger}: operating the embedded ledger's sequencer. */
@Command(
    name = "ledger",
    description = "Operate the embedded ledger's sequencer.",
    subcommands = {LedgerRecoverCommand.class},
    footer = {"", "Example:", "  cachet ledger recover --data /srv/ledger --ledger main --sequencer-key KEY \\",
        "      --from http://ks-1:7400"})
public final class LedgerCommand {}
