package io.cachet.cli.network;

import picocli.CommandLine.Command;

/** {@code cachet network}: the storage network's kit. */
@Command(name = "network", description = "Make the storage network's kit (keys and configuration files).",
    subcommands = {NetworkInitCommand.class, NetworkDescriptorCommand.class})
public final class NetworkCommand {}
