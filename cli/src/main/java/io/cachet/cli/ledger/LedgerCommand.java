package io.cachet.cli.ledger;

import io.cachet.cli.serve.LedgerServeCommand;
import picocli.CommandLine.Command;

/** {@code cachet ledger}: making, serving and recovering the embedded ledger's sequencer. */
@Command(
    name = "ledger",
    description = "Make, serve and recover the embedded ledger's sequencer.",
    subcommands = {LedgerInitCommand.class, LedgerServeCommand.class, LedgerRecoverCommand.class},
    footer = {"", "Examples:", "  cachet ledger init --data-dir /srv/ledger --ledger-id main \\",
        "      --passphrase-file /etc/cachet/ledger.pass",
        "  cachet ledger serve --config /etc/cachet/ledger.conf",
        "  cachet ledger recover --data /srv/ledger --ledger main --sequencer-key KEY \\",
        "      --from http://ks-1:7400"})
public final class LedgerCommand {}
