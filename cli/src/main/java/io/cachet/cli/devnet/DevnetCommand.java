package io.cachet.cli.devnet;

import picocli.CommandLine.Command;

/** {@code cachet devnet}: a whole Cachet network on this machine. */
@Command(
    name = "devnet",
    description = {"Run a whole Cachet network on this machine.",
        "The ledger, 3 key servers (any 2 release a key), 7 storage nodes and the gateway, all real servers on"
            + " 127.0.0.1, with their state under one directory."},
    subcommands = {DevnetUpCommand.class, DevnetDownCommand.class, DevnetStatusCommand.class,
        DevnetPartCommand.Stop.class, DevnetPartCommand.Start.class},
    footer = {"", "Examples:", "  cachet devnet up", "  cachet devnet status --json", "  cachet devnet stop ks-2",
        "  cachet devnet start ks-2", "  cachet devnet down"})
public final class DevnetCommand {}
